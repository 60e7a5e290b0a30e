package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NotifyMessageTest {

  private static NotifyMessage parse(String text) {
    return NotifyMessage.parse(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsTheKeysQuiesceActsOnAndIgnoresTheRest() {
    assertThat(parse("READY=1\nSTATUS=serving 3 jobs\nMAINPID=4242\nWATCHDOG=1\nSTOPPING=1\nBARRIER=1\nFDSTORE=1\nnoise"))
        .isEqualTo(new NotifyMessage(true, "serving 3 jobs", true, true, 4242, true));
    assertThat(parse("STATUS=a=b\nSTATUS=")).isEqualTo(new NotifyMessage(false, "", false, false, 0, false));
    assertThat(parse("READY=0\nWATCHDOG=trigger\nMAINPID=x\n")).isEqualTo(
        new NotifyMessage(false, null, false, false, 0, false));
    assertThat(parse("MAINPID=-5").mainPid()).isZero();
  }

  @Test
  void garbledDatagramsAreRefused() {
    assertThat(NotifyMessage.parse(new byte[0])).isNull();
    assertThat(parse("READY=1\0")).isNull();
    assertThat(NotifyMessage.parse(new byte[] {'S', 'T', 'A', 'T', 'U', 'S', '=', (byte) 0xff})).isNull();
  }
}
