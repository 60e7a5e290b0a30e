package dev.quiesce.lifecycle.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.StopWarmup;
import org.junit.jupiter.api.Test;

/** The stop rehearsal runs its parts without effect outside them; a class it cannot load is skipped. */
class StopRehearsalTest {

  @Test
  void theCoordinatorsPartEncodesAReportWithTwoHundredChildren() {
    // 200 made-up children of about 150 characters each, in the phase's detail and in the report's list
    assertThat(StopRehearsal.rehearseCoordinator()).isGreaterThan(2 * StopRehearsal.CHILDREN * 100);
  }

  @Test
  void everyPartOnTheClassPathRunsWithoutFailing() {
    // framework-core's own part; no module on this class path lists a StopWarmup
    assertThat(StopRehearsal.rehearseAll()).isEqualTo(1);
  }

  @Test
  void aClassNamedButNotFoundIsSkipped() {
    assertThat(StopWarmup.load(getClass().getClassLoader(), "dev.quiesce.no.SuchClass", StopRun.class.getName()))
        .isEqualTo(1);
  }
}
