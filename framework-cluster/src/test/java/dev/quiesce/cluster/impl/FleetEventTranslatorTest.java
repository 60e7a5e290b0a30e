package dev.quiesce.cluster.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.cluster.FleetState;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FleetEventTranslatorTest {

  private static Optional<FleetState> state(JsonObject event) {
    return FleetEventTranslator.translate(event).map(FleetEventTranslator.Translated::state);
  }

  private static JsonObject change(String from, String to) {
    return new JsonObject().put("type", "state").put("from", from).put("to", to).put("reason", "why");
  }

  @Test
  void stateChanges() {
    assertThat(state(change("STARTING", "RUNNING"))).contains(FleetState.READY);
    assertThat(state(change("RELOADING", "RUNNING"))).contains(FleetState.READY);
    assertThat(state(change("RUNNING", "DRAINING"))).contains(FleetState.NOT_READY);
    assertThat(state(change("RUNNING", "RELOADING"))).contains(FleetState.RELOADING);
    assertThat(state(change("RUNNING", "STOPPING"))).contains(FleetState.LEAVING);
    assertThat(state(change("STOPPING", "STOPPED"))).isEmpty();
    assertThat(state(change("RUNNING", "ASLEEP"))).isEmpty();
    assertThat(FleetEventTranslator.translate(change("RUNNING", "STOPPING")).orElseThrow().detail())
        .isEqualTo(new JsonObject().put("from", "RUNNING").put("to", "STOPPING").put("reason", "why"));
  }

  @Test
  void reloadUpgradeAndReport() {
    assertThat(state(new JsonObject().put("type", "reload").put("outcome", "done"))).contains(FleetState.RELOADED);
    assertThat(state(new JsonObject().put("type", "reload").put("outcome", "partial")))
        .contains(FleetState.RELOAD_FAILED);
    assertThat(state(new JsonObject().put("type", "reload").put("outcome", "failed").put("error", "bad")))
        .contains(FleetState.RELOAD_FAILED);
    assertThat(state(new JsonObject().put("type", "upgrade").put("outcome", "started")))
        .contains(FleetState.UPGRADING);
    assertThat(state(new JsonObject().put("type", "upgrade").put("outcome", "failed")))
        .contains(FleetState.UPGRADE_FAILED);
    assertThat(state(new JsonObject().put("type", "upgrade").put("outcome", "done"))).isEmpty();
    assertThat(FleetEventTranslator.translate(new JsonObject().put("type", "report")
        .put("report", new JsonObject().put("outcome", "graceful").put("trigger", "signal").put("phases", 4))))
        .map(t -> t.detail().encode()).contains("{\"outcome\":\"graceful\",\"trigger\":\"signal\"}");
  }

  @Test
  void phasesStepsAndStrangersTranslateToNothing() {
    assertThat(state(new JsonObject().put("type", "phase-start").put("phase", "announce"))).isEmpty();
    assertThat(state(new JsonObject().put("type", "step").put("step", "suspend"))).isEmpty();
    assertThat(state(new JsonObject().put("type", "gossip"))).isEmpty();
    assertThat(state(new JsonObject())).isEmpty();
  }

  @Test
  void addressIsManagementElseHttpElseTheMember() {
    assertThat(NodeIdentity.addressOf(new JsonObject().put("management", new JsonObject().put("host", "127.0.0.1")
        .put("port", 8191)).put("http", new JsonObject().put("port", 8181)))).isEqualTo("127.0.0.1:8191");
    assertThat(NodeIdentity.addressOf(new JsonObject().put("management", new JsonObject().put("enabled", false)
        .put("port", 8191)).put("http", new JsonObject().put("host", "127.0.0.1").put("port", 8181))))
        .isEqualTo("127.0.0.1:8181");
    assertThat(NodeIdentity.addressOf(new JsonObject().put("cluster", new JsonObject().put("port", 5709))))
        .isEqualTo("127.0.0.1:5709");
  }

  @Test
  void addressHostIsTheClusterHostOrPublicHostNeverTheListenersWildcardAndPort0NamesNoPort() {
    JsonObject listeners = new JsonObject().put("management", new JsonObject().put("host", "0.0.0.0").put("port", 8191))
        .put("http", new JsonObject().put("host", "0.0.0.0").put("port", 8181));
    // two machines with the same listener configuration: two addresses
    assertThat(NodeIdentity.addressOf(listeners.copy().put("cluster", new JsonObject().put("host", "10.0.0.5"))))
        .isEqualTo("10.0.0.5:8191");
    assertThat(NodeIdentity.addressOf(listeners.copy().put("cluster", new JsonObject().put("host", "10.0.0.6"))))
        .isEqualTo("10.0.0.6:8191");
    assertThat(NodeIdentity.addressOf(listeners.copy().put("cluster", new JsonObject().put("host", "10.0.0.5")
        .put("publicHost", "node1.example.org")))).isEqualTo("node1.example.org:8191");
    assertThat(NodeIdentity.addressOf(listeners.copy().put("cluster", new JsonObject().put("host", "::1"))))
        .isEqualTo("[::1]:8191");
    // a listener on port 0 (chosen at bind time) names no stable port: the next one does
    assertThat(NodeIdentity.addressOf(new JsonObject().put("management", new JsonObject().put("port", 0))
        .put("http", new JsonObject().put("port", 8181)))).isEqualTo("127.0.0.1:8181");
    assertThat(NodeIdentity.addressOf(new JsonObject().put("http", new JsonObject().put("port", 0))
        .put("cluster", new JsonObject().put("port", 5709)))).isEqualTo("127.0.0.1:5709");
  }
}
