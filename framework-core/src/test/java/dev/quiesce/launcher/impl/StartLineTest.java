package dev.quiesce.launcher.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.VertxFactory;
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

  @Test
  void aFactoryDescriptionEndsTheLineWithItsWarnings() {
    VertxFactory.Description d = new VertxFactory.Description(
        "cluster \"shop\" node n1 members 1 [127.0.0.1:5701 (this)]",
        List.of("could not join cluster.members 127.0.0.1:5702 (nothing listens there)", "second"));

    assertThat(StartLine.instance(d)).isEqualTo("; cluster \"shop\" node n1 members 1 [127.0.0.1:5701 (this)]"
        + "; WARNING: could not join cluster.members 127.0.0.1:5702 (nothing listens there); WARNING: second");
    assertThat(StartLine.instance(VertxFactory.Description.NONE)).isEmpty();
    assertThat(StartLine.instance(new VertxFactory.Description("", List.of("only a warning"))))
        .isEqualTo("; WARNING: only a warning");
  }
}
