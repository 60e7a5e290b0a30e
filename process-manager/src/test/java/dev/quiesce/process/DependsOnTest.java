package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.config.ConfigException;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code dependsOn}: a group starts after the groups it depends on are ready and stops before them,
 * independent groups side by side, all within the terminate phase's budget; cycles and unknown
 * names refused. Real children; the order is read from the children's own logs and the events.
 */
class DependsOnTest extends ProcessTestBase {

  private ProcessManagerOptions participating() {
    return options().setLifecycleParticipant(true);
  }

  /** A group whose instances say "ready to serve" after {@code seconds}, and are ready then. */
  private JsonObject readyAfter(String name, int instances, String seconds) {
    return children.group(name, instances, Map.of("CHILD_READY_AFTER", seconds))
        .put("ready", new JsonObject().put("logLine", "^ready to serve$"));
  }

  private static JsonArray on(String... names) {
    return new JsonArray(List.of((Object[]) names));
  }

  private JsonObject event(String type, String group) {
    return events(type).stream().filter(e -> group.equals(e.getString("group"))).findFirst().orElseThrow();
  }

  private long latest(String type, String group) {
    return events(type).stream().filter(e -> group.equals(e.getString("group"))).mapToLong(e -> e.getLong("at"))
        .max().orElseThrow();
  }

  private long earliest(String type, String group) {
    return events(type).stream().filter(e -> group.equals(e.getString("group"))).mapToLong(e -> e.getLong("at"))
        .min().orElseThrow();
  }

  @Test
  void aGroupStartsOnlyOnceEveryInstanceOfTheGroupsItDependsOnIsReady() {
    deploy(ChildFixture.config(
        children.group("web", 1).put("dependsOn", on("cache")),
        readyAfter("cache", 2, "0.5"),
        children.group("other", 1)));

    JsonObject web = command(new JsonObject().put("command", "status").put("group", "web"));
    assertThat(web.getString("state")).isEqualTo("waiting");
    assertThat(web.getJsonArray("waitingFor")).containsExactly("cache");
    int webPid = awaitRunning("web", 1).get(0);
    List<Integer> cachePids = awaitRunning("cache", 2);

    // the manager's view: web was started after both cache instances were ready; "other" did not wait
    long cacheReady = latest("ready", "cache");
    assertThat(events("ready").stream().filter(e -> e.getString("group").equals("cache"))).hasSize(2);
    assertThat(event("started", "web").getLong("at")).isGreaterThanOrEqualTo(cacheReady);
    assertThat(event("started", "other").getLong("at")).isLessThan(cacheReady);
    // the children's view
    long webStart = children.timeOf(webPid, "start");
    for (int pid : cachePids) {
      long ready = children.timeOf(pid, "ready");
      assertThat(ready).isPositive().isLessThanOrEqualTo(webStart);
      assertThat(webStart - children.timeOf(pid, "start")).isGreaterThanOrEqualTo(450L);
    }
    assertThat(command(new JsonObject().put("command", "status").put("group", "web")).getString("state"))
        .isEqualTo("running");
  }

  /**
   * A group of 0 instances in a chain passes readiness on from its own dependencies, whatever the
   * order of the configuration: "c" (listed before "b") does not start before "a" is ready, and "d"
   * (waiting before "b" does) starts once "b" has started, with no instance of "b" to say so.
   */
  @Test
  void aChainThroughAGroupOfNoInstancesStartsInOrderAndCompletely() {
    deploy(ChildFixture.config(
        children.group("d", 1).put("dependsOn", on("a", "b")),
        readyAfter("a", 1, "0.5"),
        children.group("c", 1).put("dependsOn", on("b")),
        children.group("b", 0).put("dependsOn", on("a"))));

    assertThat(command(new JsonObject().put("command", "status").put("group", "c")).getString("state"))
        .isEqualTo("waiting");
    int a = awaitRunning("a", 1).get(0);
    int c = awaitRunning("c", 1).get(0);
    int d = awaitRunning("d", 1).get(0);

    long aReady = children.timeOf(a, "ready");
    assertThat(aReady).isPositive();
    assertThat(children.timeOf(c, "start")).isGreaterThanOrEqualTo(aReady);
    assertThat(children.timeOf(d, "start")).isGreaterThanOrEqualTo(aReady);
    assertThat(event("started", "c").getLong("at")).isGreaterThanOrEqualTo(event("ready", "a").getLong("at"));
    for (String group : List.of("b", "c", "d")) {
      assertThat(command(new JsonObject().put("command", "status").put("group", group)).getString("state"))
          .as(group).isNotEqualTo("waiting");
    }
  }

  /**
   * {@code start} for one instance of a waiting group starts that instance only: the group keeps
   * waiting, and its other instances start once its dependencies are ready (a {@code start} for the
   * whole group would end the wait).
   */
  @Test
  void startingOneInstanceOfAWaitingGroupLeavesTheOthersToStartWhenTheDependenciesAreReady() {
    deploy(ChildFixture.config(
        children.group("web", 2).put("dependsOn", on("cache")),
        readyAfter("cache", 1, "1.5")));

    JsonObject afterStart = command(new JsonObject().put("command", "start").put("group", "web").put("instance", 0));
    assertThat(afterStart.getString("state")).isEqualTo("waiting");
    assertThat(afterStart.getJsonArray("waitingFor")).containsExactly("cache");
    int cache = awaitRunning("cache", 1).get(0);
    List<Integer> web = awaitRunning("web", 2);

    long cacheReady = children.timeOf(cache, "ready");
    assertThat(cacheReady).isPositive();
    assertThat(web.stream().mapToLong(pid -> children.timeOf(pid, "start")).max().orElseThrow())
        .as("the second instance started after cache was ready").isGreaterThanOrEqualTo(cacheReady);
    assertThat(web.stream().mapToLong(pid -> children.timeOf(pid, "start")).min().orElseThrow())
        .as("the instance started by the command did not wait").isLessThan(cacheReady);
    assertThat(command(new JsonObject().put("command", "status").put("group", "web")).getString("state"))
        .isEqualTo("running");
  }

  @Test
  void terminateStopsDependentsFirstAndIndependentGroupsSideBySide() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    deploy(ChildFixture.config(
        children.group("web", 2, Map.of("CHILD_CLEANUP", "0.5")).put("dependsOn", on("cache")),
        children.group("cache", 1, Map.of("CHILD_CLEANUP", "0.2")).put("dependsOn", on("db")),
        children.group("db", 1, Map.of("CHILD_CLEANUP", "0.1")),
        children.group("other", 1, Map.of("CHILD_CLEANUP", "0.5"))), participating());
    List<Integer> web = awaitRunning("web", 2);
    int cache = awaitRunning("cache", 1).get(0);
    int db = awaitRunning("db", 1).get(0);
    int other = awaitRunning("other", 1).get(0);

    long seq = coordinator.publish("terminate", Duration.ofSeconds(20), false, null);
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(20));

    assertThat(ack.getString("outcome")).isEqualTo("done");
    assertThat(ack.getJsonObject("detail").getJsonArray("children")).hasSize(5);
    assertThat(ack.getJsonObject("detail").getBoolean("forced")).isFalse();
    // the children's own clocks: each dependency heard TERM only after its dependents had exited
    long cacheTerm = children.timeOf(cache, "signal TERM");
    for (int pid : web) {
      assertThat(children.timeOf(pid, "exit 0")).isPositive().isLessThanOrEqualTo(cacheTerm);
    }
    assertThat(children.timeOf(cache, "exit 0")).isPositive().isLessThanOrEqualTo(children.timeOf(db, "signal TERM"));
    // "other" depends on nothing and nothing depends on it: it heard TERM while web was still cleaning up
    long webTerm = web.stream().mapToLong(pid -> children.timeOf(pid, "signal TERM")).min().orElseThrow();
    assertThat(children.timeOf(other, "signal TERM") - webTerm).isLessThan(Timing.upTo(400L));
    assertThat(children.timeOf(other, "signal TERM")).isLessThan(children.timeOf(web.get(0), "exit 0"));
    // the manager's view: the dependency's ladder began after its dependents' exits
    assertThat(earliest("stopping", "cache")).isGreaterThanOrEqualTo(latest("exited", "web"));
    assertThat(earliest("stopping", "db")).isGreaterThanOrEqualTo(latest("exited", "cache"));
    for (int pid : List.of(web.get(0), web.get(1), cache, db, other)) {
      assertThat(children.signalNames(pid)).containsExactly("TERM");
    }
  }

  @Test
  void aChainSharesThePhaseBudgetSoThatEveryGroupGetsItsLadderBeforeTheDeadline() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    WebAndCache pids = deployWebOnCacheBothIgnoringTerm();
    int web = pids.web();
    int cache = pids.cache();

    long t0 = System.currentTimeMillis();
    long seq = coordinator.publish("terminate", Duration.ofSeconds(3), false, null);
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(10));
    long took = System.currentTimeMillis() - t0;

    // two groups in the chain: web's ladder is cut to its half (KILL 300 ms before 1.5 s), cache's
    // begins when web is gone and is cut to the phase's deadline (KILL 300 ms before 3 s)
    // upper bound: the deadline plus room for a loaded machine (3136 ms seen with six builds on 2 cores)
    assertThat(took).isGreaterThanOrEqualTo(2500L).isLessThanOrEqualTo(Timing.upTo(3000L + 1500L));
    JsonArray list = ack.getJsonObject("detail").getJsonArray("children");
    JsonObject w = list.stream().map(JsonObject.class::cast).filter(c -> c.getInteger("pid") == web).findFirst()
        .orElseThrow();
    JsonObject c = list.stream().map(JsonObject.class::cast).filter(x -> x.getInteger("pid") == cache).findFirst()
        .orElseThrow();
    assertThat(w.getString("step")).isEqualTo("KILL");
    assertThat(w.getLong("durationMs")).isGreaterThanOrEqualTo(1000L).isLessThanOrEqualTo(Timing.upTo(1500L));
    assertThat(c.getString("step")).isEqualTo("KILL");
    long cacheTerm = children.timeOf(cache, "signal TERM");
    assertThat(cacheTerm - t0).isGreaterThanOrEqualTo(1000L);
    assertThat(cacheTerm).isGreaterThanOrEqualTo(awaitEvent("exited", "web").getLong("at"));
    assertThat(children.signalNames(web)).containsExactly("TERM");
    assertThat(children.signalNames(cache)).containsExactly("TERM");
  }

  @Test
  void aDependencyBeginsAtTheStartOfItsSliceWhenItsDependentOverrunsItsOwn() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    // web's leader exits on TERM at once, but its grandchild ignores TERM: web's stop ends only when
    // the straggler is killed, 1 s after the leader's exit, past web's slice (the first 600 ms)
    deploy(ChildFixture.config(
        children.group("web", 1, Map.of("CHILD_GRANDCHILD", "1", "CHILD_GRANDCHILD_IGNORE", "TERM"))
            .put("dependsOn", on("cache")),
        children.group("cache", 1, Map.of("CHILD_CLEANUP", "0.1"))), participating());
    awaitRunning("web", 1);
    int cache = awaitRunning("cache", 1).get(0);
    Await.until("the grandchild runs", Duration.ofSeconds(5), () -> children.byRole().containsValue("grandchild"));

    long t0 = System.currentTimeMillis();
    long seq = coordinator.publish("terminate", Duration.ofMillis(1200), false, null);
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(10));

    assertThat(System.currentTimeMillis() - t0).isLessThanOrEqualTo(Timing.upTo(1600L));
    long cacheTerm = children.timeOf(cache, "signal TERM");
    assertThat(cacheTerm - t0).as("cache waited for the start of its slice").isGreaterThanOrEqualTo(550L);
    assertThat(cacheTerm).as("but not for web's overrun").isLessThan(awaitEvent("exited", "web").getLong("at"));
    awaitEvent("stragglers-killed");
    assertThat(events("stragglers-killed")).hasSize(1);
    assertThat(ack.getJsonObject("detail").getJsonArray("children")).hasSize(2);
  }

  @Test
  void aForcedStopKillsEveryGroupAtOnceWithoutWaitingForTheOrder() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    WebAndCache pids = deployWebOnCacheBothIgnoringTerm();
    int web = pids.web();
    int cache = pids.cache();

    long seq = coordinator.publish("terminate", Duration.ofSeconds(20), false, null);
    Await.until("web heard TERM", Duration.ofSeconds(5), () -> children.signalNames(web).contains("TERM"));
    long t0 = System.currentTimeMillis();
    vertx.eventBus().publish(EventBusContract.EVENTS, new JsonObject()
        .put("type", "phase-start").put("phase", "close").put("forced", true));
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(5));

    assertThat(System.currentTimeMillis() - t0).isLessThan(Timing.upTo(2000L));
    assertThat(ack.getJsonObject("detail").getInteger("killed")).isEqualTo(2);
    assertThat(children.signalNames(cache)).as("cache went straight to KILL").isEmpty();
  }

  @Test
  void aGroupAddedByAReloadStartsAfterTheGroupsItDependsOn() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    JsonObject old = children.group("old", 1).put("reload", "signal:USR1");
    deploy(ChildFixture.config(old), participating());
    awaitRunning("old", 1);

    // "old" stays ready through the reload (a signal, not a restart); "cache" is new and ready after 0.4 s
    long seq = coordinator.publish("reload", Duration.ofSeconds(30), false, ChildFixture.config(
        old, children.group("web", 1).put("dependsOn", on("cache", "old")),
        readyAfter("cache", 1, "0.4")));
    JsonObject ack = coordinator.awaitAck(seq, Duration.ofSeconds(10));

    assertThat(ack.getString("outcome")).isEqualTo("done");
    JsonObject webDetail = ack.getJsonObject("detail").getJsonArray("groups").stream().map(JsonObject.class::cast)
        .filter(g -> g.getString("group").equals("web")).findFirst().orElseThrow();
    assertThat(webDetail.getString("action")).isEqualTo("started");
    assertThat(webDetail.getJsonArray("waitingFor")).containsExactly("cache");
    int webPid = awaitRunning("web", 1).get(0);
    int cachePid = awaitRunning("cache", 1).get(0);
    assertThat(event("started", "web").getLong("at")).isGreaterThanOrEqualTo(event("ready", "cache").getLong("at"));
    assertThat(children.timeOf(webPid, "start")).isGreaterThanOrEqualTo(children.timeOf(cachePid, "ready"));
  }

  @Test
  void aCycleOrAnUnknownNameIsRefusedWithItsPathAndNothingStarts() {
    JsonObject cycle = ChildFixture.config(children.group("a", 1).put("dependsOn", on("b")),
        children.group("b", 1).put("dependsOn", on("a")), children.group("c", 1).put("dependsOn", on("nope")));

    Throwable failure = Await.failure(vertx.deployVerticle(new ProcessManagerVerticle(options()),
        new DeploymentOptions().setConfig(cycle)));

    assertThat(failure).isInstanceOf(ConfigException.class);
    assertThat(failure.getMessage())
        .contains("processes[1].dependsOn[0]: \"a\" closes a cycle: b → a → b")
        .contains("processes[2].dependsOn[0]: \"nope\" is not the name of a group; groups are [a, b, c]");
    assertThat(children.pids()).isEmpty();
  }

  /** The pids of the one child of {@code web} and of {@code cache}. */
  private record WebAndCache(int web, int cache) {
  }

  /** Groups {@code web} (depends on {@code cache}) and {@code cache}, one child each, both ignoring TERM. */
  private WebAndCache deployWebOnCacheBothIgnoringTerm() {
    deploy(ChildFixture.config(
        children.group("web", 1, Map.of("CHILD_IGNORE", "TERM")).put("stopTimeout", "10s")
            .put("dependsOn", on("cache")),
        children.group("cache", 1, Map.of("CHILD_IGNORE", "TERM")).put("stopTimeout", "10s")), participating());
    return new WebAndCache(awaitRunning("web", 1).get(0), awaitRunning("cache", 1).get(0));
  }
}
