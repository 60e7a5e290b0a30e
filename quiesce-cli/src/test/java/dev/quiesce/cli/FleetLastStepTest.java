package dev.quiesce.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * When {@code fleet <operation> --wait} reads faster ({@link QuiesceCli#FLEET_POLL_LAST_STEP}): once only the
 * runner's own restart or upgrade is left, which it hands over and then goes, taking the report's only reader
 * with it.
 */
class FleetLastStepTest {

  @Test
  void aRestartOrUpgradeWhoseOtherStepsHaveEndedHasOnlyTheRunnersOwnStepLeft() {
    for (String operation : List.of("restart", "upgrade")) {
      assertThat(QuiesceCli.onlyTheRunnersOwnStepLeft(report(operation, step("a", "done"), step("b", "failed"),
          step("runner", "pending")))).as(operation).isTrue();
      assertThat(QuiesceCli.onlyTheRunnersOwnStepLeft(report(operation, step("runner", "pending"))))
          .as("%s of a one-node fleet", operation).isTrue();
      assertThat(QuiesceCli.onlyTheRunnersOwnStepLeft(report(operation, step("a", "done"), step("b", "running"),
          step("runner", "pending")))).as("%s with a step under way", operation).isFalse();
      assertThat(QuiesceCli.onlyTheRunnersOwnStepLeft(report(operation, step("a", "pending"),
          step("runner", "pending")))).as("%s with a step not begun", operation).isFalse();
    }
  }

  @Test
  void aReloadNeverHasItsRunnerGo() {
    assertThat(QuiesceCli.onlyTheRunnersOwnStepLeft(report("reload", step("a", "done"), step("runner", "pending"))))
        .isFalse();
  }

  private static Map<String, Object> report(String operation, Map<?, ?>... steps) {
    return Map.of("id", "fleet-1", "operation", operation, "runBy", "runner", "outcome", "running",
        "steps", List.of(steps));
  }

  private static Map<String, Object> step(String nodeId, String outcome) {
    return Map.of("nodeId", nodeId, "address", nodeId + ":8191", "outcome", outcome);
  }
}
