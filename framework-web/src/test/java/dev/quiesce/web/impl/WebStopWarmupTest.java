package dev.quiesce.web.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.StopWarmup;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The HTTP servers' part of the stop rehearsal is found as a service and names classes that exist. */
class WebStopWarmupTest {

  @Test
  void isListedAsAStopWarmup() {
    assertThat(ServiceLoader.load(StopWarmup.class).stream().map(ServiceLoader.Provider::type))
        .contains(WebStopWarmup.class);
  }

  @Test
  void everyLibraryClassItNamesLoads() {
    // a Vert.x or Netty upgrade that renames one shows here, not as a silently skipped name
    assertThat(StopWarmup.load(getClass().getClassLoader(), WebStopWarmup.LIBRARY_CLASSES))
        .isEqualTo(WebStopWarmup.LIBRARY_CLASSES.length);
    new WebStopWarmup().rehearse();
  }
}
