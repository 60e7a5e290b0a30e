package dev.quiesce.cluster;

import dev.quiesce.testing.ArchitectureRules;
import dev.quiesce.testing.ArchitectureRules.QuiesceModule;
import org.junit.jupiter.api.Test;

/** This module keeps the boundaries of {@link ArchitectureRules}; a violation fails the build. */
class ArchitectureTest {

  @Test
  void dependsOnlyOnWhatItMayAndHasNoPackageCycles() {
    ArchitectureRules.check(QuiesceModule.CLUSTER);
  }
}
