package dev.quiesce.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How often {@code fleet <operation> --wait} reads: every {@link QuiesceCli#FLEET_POLL_LAST_STEP} near the end
 * of a restart or upgrade (the node asked stores the report, then hands its own step over and goes, and the report
 * is read from it) and for a while after it saw the operation stored as ended; else every {@link
 * QuiesceCli#FLEET_POLL}.
 */
class FleetLastStepTest {

  private static final Duration FAST = QuiesceCli.FLEET_POLL_LAST_STEP;
  private static final Duration SLOW = QuiesceCli.FLEET_POLL;

  @Test
  void aRestartOrUpgradeReadsFastOnceEveryOtherStepHasBegun() {
    for (String operation : List.of("restart", "upgrade")) {
      Map<String, Object> lastBatch = report(operation, step("a", "done"), step("b", "running"),
          step("runner", "pending"));
      assertThat(QuiesceCli.nextFleetRead("fleet-1", lastBatch, null)).as("%s, last batch", operation).isEqualTo(FAST);
      Map<String, Object> oneNode = report(operation, step("runner", "pending"));
      assertThat(QuiesceCli.nextFleetRead("fleet-1", oneNode, null)).as("%s of one node", operation).isEqualTo(FAST);
      Map<String, Object> notYet = report(operation, step("a", "running"), step("b", "pending"),
          step("runner", "pending"));
      assertThat(QuiesceCli.nextFleetRead("fleet-1", notYet, null)).as("%s, a step not begun", operation)
          .isEqualTo(SLOW);
    }
  }

  @Test
  void aReloadOrAnotherOperationIsReadOnceASecondUntilItEnds() {
    Map<String, Object> reload = report("reload", step("a", "done"), step("runner", "running"));
    assertThat(QuiesceCli.nextFleetRead("fleet-1", reload, null)).isEqualTo(SLOW);
    Map<String, Object> another = report("restart", step("runner", "pending"));
    assertThat(QuiesceCli.nextFleetRead("fleet-2", another, null)).as("the operation running is not this one")
        .isEqualTo(SLOW);
    assertThat(QuiesceCli.nextFleetRead("fleet-1", Map.of(), null)).as("none running").isEqualTo(SLOW);
  }

  @Test
  void storedAsEndedItIsReadFastForAFewSecondsThenOnceASecond() {
    Map<String, Object> stillNamed = report("reload", step("a", "done"), step("runner", "done"));
    assertThat(QuiesceCli.nextFleetRead("fleet-1", stillNamed, Duration.ZERO)).isEqualTo(FAST);
    assertThat(QuiesceCli.nextFleetRead("fleet-1", stillNamed, QuiesceCli.FLEET_ENDED_FAST_READS.minusMillis(1)))
        .isEqualTo(FAST);
    assertThat(QuiesceCli.nextFleetRead("fleet-1", stillNamed, QuiesceCli.FLEET_ENDED_FAST_READS))
        .as("a lock that is not released is not read five times a second until --timeout").isEqualTo(SLOW);
  }

  private static Map<String, Object> report(String operation, Map<?, ?>... steps) {
    return Map.of("id", "fleet-1", "operation", operation, "runBy", "runner", "outcome", "running",
        "steps", List.of(steps));
  }

  private static Map<String, Object> step(String nodeId, String outcome) {
    return Map.of("nodeId", nodeId, "address", nodeId + ":8191", "outcome", outcome);
  }
}
