package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.ProcFs;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Vert.x, a process manager deployed on it with a state directory of the test's own, every
 * event of {@code quiesce.process.events} recorded, and a check after each test that none of its
 * processes is left behind (any left is killed, by pid, and fails the test).
 */
abstract class ProcessTestBase {

  @TempDir
  Path temp;
  Vertx vertx;
  ChildFixture children;
  final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private static final Duration EVENT_WAIT = Duration.ofSeconds(5);

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
    children = new ChildFixture(temp);
    vertx.eventBus().<JsonObject>consumer(EventBusContract.PROCESS_EVENTS, m -> events.add(m.body()));
  }

  @AfterEach
  void closeVertxAndCheckNothingIsLeft() {
    try {
      Await.result(vertx.close(), Duration.ofSeconds(30));
    } finally {
      try {
        // a generous bound: a killed process ends in milliseconds, but a busy machine's disk can hold one in
        // an uninterruptible write for seconds; a process really left behind (sleep 3600) still fails here
        Await.until("no tagged process is left", Duration.ofSeconds(15), () -> children.pids().isEmpty());
      } catch (AssertionError e) {
        // which ones, for a failure that is rare: state, parent, group, session and command line
        throw new AssertionError(e.getMessage() + ": " + children.pids().stream().map(ProcFs::describe).toList(), e);
      }
      int left = children.killLeftovers();
      assertThat(left).as("processes left behind").isZero();
    }
  }

  ProcessManagerOptions options() {
    return new ProcessManagerOptions().setStateDir(temp.resolve("state")).setLifecycleParticipant(false);
  }

  String deploy(JsonObject config) {
    return deploy(config, options());
  }

  String deploy(JsonObject config, ProcessManagerOptions options) {
    return deploy(config, options, new DeploymentOptions());
  }

  /** Deploys with {@code deployment}'s settings (a worker pool of its own, say), {@code config} as its config. */
  String deploy(JsonObject config, ProcessManagerOptions options, DeploymentOptions deployment) {
    return Await.result(vertx.deployVerticle(new ProcessManagerVerticle(options), deployment.setConfig(config)),
        Duration.ofSeconds(20));
  }

  JsonObject command(JsonObject request) {
    return Await.result(vertx.eventBus().<JsonObject>request(EventBusContract.PROCESS_COMMANDS, request),
        Duration.ofSeconds(30)).body();
  }

  ReplyException refused(Object request) {
    Throwable failure = Await.failure(vertx.eventBus().request(EventBusContract.PROCESS_COMMANDS, request));
    assertThat(failure).isInstanceOf(ReplyException.class);
    return (ReplyException) failure;
  }

  /** The pids of the running instances of {@code group}, in instance order, once all {@code n} run. */
  List<Integer> awaitRunning(String group, int n) {
    Await.until(n + " instances of " + group + " running", Duration.ofSeconds(20),
        () -> pidsOf(group).size() == n);
    List<Integer> pids = pidsOf(group);
    Await.until("the children of " + group + " have set up their signal handlers", Duration.ofSeconds(20),
        () -> pids.stream().allMatch(pid -> children.timeOf(pid, "start") > 0));
    return pids;
  }

  List<Integer> pidsOf(String group) {
    JsonObject status = command(new JsonObject().put("command", "status").put("group", group));
    return status.getJsonArray("instances").stream().map(o -> (JsonObject) o).filter(i -> i.containsKey("pid"))
        .map(i -> i.getInteger("pid")).toList();
  }

  List<JsonObject> events(String type) {
    return events.stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  JsonObject awaitEvent(String what, Duration timeout, Predicate<JsonObject> p) {
    Await.until(what, timeout, () -> events.stream().anyMatch(p));
    return events.stream().filter(p).findFirst().orElseThrow();
  }

  /**
   * The first event of {@code type}, awaited for at most 5 s: events reach this test's consumer
   * asynchronously, so another sign that the work is done does not mean its event is here yet.
   */
  JsonObject awaitEvent(String type) {
    return awaitEvent("a " + type + " event", EVENT_WAIT, e -> type.equals(e.getString("type")));
  }

  /** The first event of {@code type} for {@code group}, awaited as {@link #awaitEvent(String)} does. */
  JsonObject awaitEvent(String type, String group) {
    return awaitEvent("a " + type + " event of " + group, EVENT_WAIT,
        e -> type.equals(e.getString("type")) && group.equals(e.getString("group")));
  }
}
