package dev.quiesce.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.lifecycle.LifecycleCommand;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FleetContractsTest {

  @Test
  void addresses() {
    assertEquals("quiesce.fleet", FleetAddresses.FLEET);
    assertEquals("quiesce.fleet.events", FleetAddresses.EVENTS);
    assertEquals("quiesce.fleet.node.abc", FleetAddresses.node("abc"));
    assertEquals("quiesce.fleet.node.abc.command", FleetAddresses.nodeCommands("abc"));
  }

  @Test
  void eventRoundTrip() {
    FleetEvent event = new FleetEvent("n1", "1.2", "127.0.0.1:8191", FleetState.NOT_READY, 42,
        new JsonObject().put("reason", "drain"));
    JsonObject json = event.toJson();
    assertEquals("not-ready", json.getString("state"));
    assertEquals(event, FleetEvent.fromJson(json));
  }

  @Test
  void eventWithAnUnknownStateIsRefusedNamingTheField() {
    JsonObject json = new FleetEvent("n1", "1", "a:1", FleetState.READY, 1, new JsonObject()).toJson()
        .put("state", "asleep");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FleetEvent.fromJson(json));
    assertTrue(e.getMessage().contains("\"state\": \"asleep\" is none of [joined, ready"), e.getMessage());
  }

  @Test
  void operationsMapToLifecycleCommands() {
    assertEquals(LifecycleCommand.RELOAD, FleetOperation.RELOAD.lifecycleCommand());
    assertEquals(LifecycleCommand.UPGRADE, FleetOperation.UPGRADE.lifecycleCommand());
    assertEquals(LifecycleCommand.STOP, FleetOperation.RESTART.lifecycleCommand());
    assertFalse(FleetOperation.RELOAD.replacesNode());
    assertTrue(FleetOperation.RESTART.replacesNode());
  }

  @Test
  void requestDefaultsAndErrors() {
    FleetRequest r = FleetRequest.fromJson(new JsonObject().put("command", "restart"), "why");
    assertEquals(new FleetRequest(FleetOperation.RESTART, 1, "why", FleetRequest.DEFAULT_STEP_TIMEOUT), r);
    assertEquals(Duration.ofSeconds(30), FleetRequest.fromJson(new JsonObject().put("command", "reload")
        .put("stepTimeout", "30s"), "x").stepTimeout());
    assertEquals(r, FleetRequest.fromJson(r.toJson(), "other"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> FleetRequest.fromJson(
        new JsonObject().put("command", "reload").put("maxUnavailable", 0), "x")).getMessage()
        .contains("\"maxUnavailable\" must be at least 1"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> FleetRequest.fromJson(
        new JsonObject().put("command", "stop"), "x")).getMessage()
        .contains("\"command\": \"stop\" is no fleet operation; use one of [reload, upgrade, restart]"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> FleetRequest.fromJson(
        new JsonObject().put("command", "reload").put("force", true), "x")).getMessage()
        .contains("unknown field(s) [force]"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> FleetRequest.fromJson(
        new JsonObject().put("command", "reload").put("stepTimeout", "soon"), "x")).getMessage()
        .startsWith("\"stepTimeout\": "));
  }

  @Test
  void reportAndStatusRoundTrip() {
    FleetOperationReport.NodeStep done = new FleetOperationReport.NodeStep("n1", "127.0.0.1:8191",
        FleetOperationReport.StepOutcome.DONE, Optional.of("n4"), 10, 20, Optional.empty());
    FleetOperationReport.NodeStep failed = new FleetOperationReport.NodeStep("n2", "127.0.0.1:8192",
        FleetOperationReport.StepOutcome.FAILED, Optional.empty(), 21, 30, Optional.of("left the cluster"));
    FleetOperationReport report = new FleetOperationReport("op-1", FleetOperation.RESTART, "deploy", 1, "n3", 5, 31,
        FleetOperationReport.Outcome.FAILED, List.of(done, failed), Optional.of("node n2 (127.0.0.1:8192): left"));
    assertEquals(report, FleetOperationReport.fromJson(report.toJson()));
    FleetStatus status = new FleetStatus("n3", List.of(FleetNodeStatus.unreachable("n2", "timed out"),
        new FleetNodeStatus("n3", true, "1.0", "127.0.0.1:8193", "RUNNING", 1000, 2, true,
            new JsonObject().put("workers", new JsonObject().put("ready", 2)), Optional.empty())),
        Optional.empty(), Optional.of(report));
    JsonObject json = status.toJson();
    assertEquals("UNREACHABLE", json.getJsonArray("nodes").getJsonObject(0).getString("state"));
    assertEquals(status, FleetStatus.fromJson(json));
  }

  @Test
  void servingStates() {
    assertTrue(FleetState.READY.serving());
    assertTrue(FleetState.RELOADING.serving());
    assertFalse(FleetState.JOINED.serving());
    assertFalse(FleetState.LEAVING.serving());
    assertFalse(FleetState.NOT_READY.serving());
  }
}
