package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.testing.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Signals reach whole process groups: commands and propagation from the application's own signals. */
class SignalsTest extends ProcessTestBase {

  private int awaitGrandchild() {
    Await.until("the grandchild runs", Duration.ofSeconds(5), () -> children.byRole().containsValue("grandchild"));
    return children.byRole().entrySet().stream().filter(e -> e.getValue().equals("grandchild")).findFirst()
        .orElseThrow().getKey();
  }

  @Test
  void groupSignalReachesTheGrandchild() {
    deploy(ChildFixture.config(children.group("family", 1, Map.of("CHILD_GRANDCHILD", "1"))));
    int child = awaitRunning("family", 1).get(0);
    int grandchild = awaitGrandchild();

    JsonObject reply = command(new JsonObject().put("command", "signal").put("group", "family").put("signal", "USR1"));

    assertThat(reply.getJsonArray("pids")).containsExactly(child);
    Await.until("both logged USR1", Duration.ofSeconds(5),
        () -> children.signalNames(child).contains("USR1") && children.signalNames(grandchild).contains("USR1"));
    awaitEvent("signalled", Duration.ofSeconds(5), e -> "signalled".equals(e.getString("type")));
    assertThat(events("signalled")).singleElement().satisfies(e -> {
      assertThat(e.getString("signal")).isEqualTo("USR1");
      assertThat(e.getString("source")).isEqualTo("command");
    });
  }

  @Test
  void signalToOneInstanceReachesOnlyThatInstance() {
    deploy(ChildFixture.config(children.group("pair", 2)));
    List<Integer> pids = awaitRunning("pair", 2);

    command(new JsonObject().put("command", "signal").put("group", "pair").put("instance", 1).put("signal", "WINCH"));
    Await.until("WINCH logged", Duration.ofSeconds(5), () -> children.signalNames(pids.get(1)).contains("WINCH"));
    command(new JsonObject().put("command", "signal").put("group", "pair").put("signal", "HUP"));

    Await.until("both logged HUP", Duration.ofSeconds(5),
        () -> pids.stream().allMatch(p -> children.signalNames(p).contains("HUP")));
    assertThat(children.signalNames(pids.get(0))).containsExactly("HUP");
    assertThat(children.signalNames(pids.get(1))).containsExactly("WINCH", "HUP");
  }

  @Test
  void propagatePassesHupOnAndNothingElseNorDuplicates() {
    JsonObject listening = children.group("listening", 2, Map.of("CHILD_GRANDCHILD", "1"))
        .put("propagate", new JsonArray().add("HUP"));
    JsonObject deaf = children.group("deaf", 1);
    deploy(ChildFixture.config(listening, deaf));
    List<Integer> pids = awaitRunning("listening", 2);
    int deafPid = awaitRunning("deaf", 1).get(0);
    Await.until("two grandchildren", Duration.ofSeconds(5),
        () -> children.byRole().values().stream().filter("grandchild"::equals).count() == 2);
    List<Integer> grandchildren = children.byRole().entrySet().stream().filter(e -> e.getValue().equals("grandchild"))
        .map(Map.Entry::getKey).toList();

    // USR1 is not propagated by anyone; HUP only to "listening"; a duplicate (within the signal
    // bridge's debounce) is not passed on. Signals are handled in order, so once HUP has arrived,
    // USR1 and the duplicate would have arrived before it (and the duplicate would show as an event).
    vertx.eventBus().publish(EventBusContract.SIGNALS,
        new JsonObject().put("signal", "USR1").put("action", "none").put("count", 1));
    vertx.eventBus().publish(EventBusContract.SIGNALS,
        new JsonObject().put("signal", "HUP").put("action", "duplicate").put("count", 2));
    vertx.eventBus().publish(EventBusContract.SIGNALS,
        new JsonObject().put("signal", "HUP").put("action", "reload").put("count", 1));

    Await.until("children and grandchildren logged HUP", Duration.ofSeconds(5),
        () -> pids.stream().allMatch(p -> children.signalNames(p).contains("HUP"))
            && grandchildren.stream().allMatch(p -> children.signalNames(p).contains("HUP")));
    for (int pid : pids) {
      assertThat(children.signalNames(pid)).containsExactly("HUP");
    }
    assertThat(children.signalNames(deafPid)).isEmpty();
    awaitEvent("signalled", Duration.ofSeconds(5), e -> "signalled".equals(e.getString("type")));
    assertThat(events("signalled")).singleElement().satisfies(e -> {
      assertThat(e.getString("group")).isEqualTo("listening");
      assertThat(e.getString("source")).isEqualTo("propagate");
      assertThat(e.getJsonArray("pids").stream().map(Integer.class::cast).toList())
          .containsExactlyInAnyOrderElementsOf(pids);
    });
  }
}
