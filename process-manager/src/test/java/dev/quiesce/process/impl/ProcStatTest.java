package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcStatTest {

  @Test
  void parsesACommandNameWithSpacesAndParentheses() {
    String line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 50";
    ProcStat s = ProcStat.parse(4242, line);
    assertThat(s.state()).isEqualTo('S');
    assertThat(s.ppid()).isEqualTo(1);
    assertThat(s.pgrp()).isEqualTo(4242);
    assertThat(s.session()).isEqualTo(4242);
    assertThat(s.startTime()).isEqualTo(987654L);
  }

  @Test
  void readsThisJvmAndTellsAReusedPidFromTheSameProcess() {
    int self = (int) ProcessHandle.current().pid();
    long start = ProcStat.startTime(self).orElseThrow();
    assertThat(ProcStat.isSameProcess(self, start)).isTrue();
    assertThat(ProcStat.isSameProcess(self, start - 1)).isFalse();
    assertThat(ProcStat.of(99_999_999)).isNull();
  }

  @Test
  void negativeFieldsBeforeTheStartTimeAreSkippedAndACutLineIsRefused() {
    String line = "7 (sh) R 3 7 5 0 -1 4194304 1 2 3 4 5 6 7 8 20 0 1 0 123 4 5";
    ProcStat s = ProcStat.parse(7, line);
    assertThat(s).isEqualTo(new ProcStat(7, 'R', 3, 7, 5, 123L));
    assertThatThrownBy(() -> ProcStat.parse(7, "7 (sh) R 3 7 5 0 -1 4194304")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcStat.parse(7, "7 (sh")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parsesTheStatOfEveryProcessAsItsTextSays() {
    // the byte parser against a plain reading of the same text, for every process of this machine
    int compared = 0;
    for (ProcStat listed : ProcStat.all()) {
      String text;
      try {
        text = Files.readString(Path.of("/proc", Integer.toString(listed.pid()), "stat"), StandardCharsets.ISO_8859_1);
      } catch (IOException gone) {
        continue;
      }
      String[] f = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
      assertThat(ProcStat.parse(listed.pid(), text)).isEqualTo(new ProcStat(listed.pid(), f[0].charAt(0),
          Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]), Long.parseLong(f[19])));
      compared++;
    }
    assertThat(compared).isPositive();
  }
}
