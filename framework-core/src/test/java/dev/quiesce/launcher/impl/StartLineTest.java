package dev.quiesce.launcher.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.LifecycleConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class StartLineTest {

  private static final SignalBridge.Installed SIGNALS = new SignalBridge.Installed(
      LifecycleConfig.defaults().signals(), List.of(), false, List.of());

  @Test
  void theDefaultPlanFitsItsOwnDeadlineAndStartsWithoutAWarning() {
    LifecycleConfig defaults = LifecycleConfig.defaults();

    String line = StartLine.format(4242, 180, List.of("defaults"), defaults, SIGNALS);

    assertThat(defaults.worstCase()).isLessThanOrEqualTo(defaults.shutdownTimeout());
    assertThat(line).doesNotContain("WARNING").endsWith("; signals: TERM->stop INT->stop HUP->reload");
  }
}
