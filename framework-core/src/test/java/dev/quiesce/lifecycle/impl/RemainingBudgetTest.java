package dev.quiesce.lifecycle.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What is left of a budget is never negative, in the status or in the log (issue 11: {@code left=-2.307s}). */
class RemainingBudgetTest {

  @Test
  void aJvmFrozenPastItsDeadlineHasNothingLeftNotADebt() {
    long deadline = 1_000_000L;
    assertThat(StopRun.remainingMs(deadline, deadline + 2_307)).isZero();
    assertThat(StopRun.left(deadline, deadline + 2_307)).isEqualTo("0.000s");
  }

  @Test
  void beforeTheDeadlineWhatIsLeftIsTheDifference() {
    assertThat(StopRun.remainingMs(10_000L, 8_750L)).isEqualTo(1_250L);
    assertThat(StopRun.left(10_000L, 8_750L)).isEqualTo("1.250s");
    assertThat(StopRun.remainingMs(10_000L, 10_000L)).isZero();
  }

  @Test
  void secondsAreWrittenWithThreeDecimalsAsBefore() {
    assertThat(StopRun.seconds(0)).isEqualTo("0.000s");
    assertThat(StopRun.seconds(4)).isEqualTo("0.004s");
    assertThat(StopRun.seconds(69)).isEqualTo("0.069s");
    assertThat(StopRun.seconds(1_272)).isEqualTo("1.272s");
    assertThat(StopRun.seconds(30_000)).isEqualTo("30.000s");
    assertThat(StopRun.seconds(-1_005)).isEqualTo("-1.005s");
  }
}
