package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The process manager's part of the stop rehearsal is listed for core's ServiceLoader and runs
 * without touching a process. The test names no class of core's impl packages (ArchitectureRules
 * allows only the part itself to).
 */
class ProcessStopWarmupTest {

  @Test
  void isListedAsAStopWarmupAndRuns() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/META-INF/services/dev.quiesce.lifecycle.impl.StopWarmup")) {
      assertThat(in).isNotNull();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines())
          .contains(ProcessStopWarmup.class.getName());
    }
    new ProcessStopWarmup().rehearse();
  }

  @Test
  void everyClassItNamesLoads() {
    assertThat(ProcessStopWarmup.NAMED_CLASSES).allSatisfy(name ->
        assertThat(Class.forName(name, true, getClass().getClassLoader())).isNotNull());
  }
}
