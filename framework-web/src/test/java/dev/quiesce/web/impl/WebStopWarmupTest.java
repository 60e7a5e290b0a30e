package dev.quiesce.web.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The HTTP servers' part of the stop rehearsal is listed for core's ServiceLoader and names classes
 * that exist. The test names no class of core's impl packages (ArchitectureRules allows only the
 * part itself to).
 */
class WebStopWarmupTest {

  @Test
  void isListedAsAStopWarmup() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/META-INF/services/dev.quiesce.lifecycle.impl.StopWarmup")) {
      assertThat(in).isNotNull();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()).contains(WebStopWarmup.class.getName());
    }
  }

  @Test
  void everyLibraryClassItNamesLoads() {
    // a Vert.x or Netty upgrade that renames one shows here, not as a silently skipped name
    assertThat(WebStopWarmup.LIBRARY_CLASSES).allSatisfy(name ->
        assertThat(Class.forName(name, true, getClass().getClassLoader())).isNotNull());
    new WebStopWarmup().rehearse();
  }
}
