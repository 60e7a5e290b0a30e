package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.StopWarmup;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The process manager's part of the stop rehearsal is found as a service and runs without touching a process. */
class ProcessStopWarmupTest {

  @Test
  void isListedAsAStopWarmupAndRuns() {
    assertThat(ServiceLoader.load(StopWarmup.class).stream().map(ServiceLoader.Provider::type))
        .contains(ProcessStopWarmup.class);
    new ProcessStopWarmup().rehearse();
  }
}
