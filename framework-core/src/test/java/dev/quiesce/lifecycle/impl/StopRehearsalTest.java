package dev.quiesce.lifecycle.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.testing.Await;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The stop rehearsal runs its parts without effect outside them, once per JVM, and gives way to a stop. */
class StopRehearsalTest {

  @Test
  void theCoordinatorsPartEncodesAReportWithTwoHundredChildren() {
    // 200 made-up children of about 150 characters each, in the phase's detail and in the report's list
    assertThat(StopRehearsal.rehearseCoordinator()).isGreaterThan(2 * StopRehearsal.CHILDREN * 100);
  }

  @Test
  void everyPartOnTheClassPathRunsWithoutFailing() {
    // framework-core's own part; no module on this class path lists a StopWarmup
    assertThat(StopRehearsal.rehearse(StopRehearsal.parts(), () -> true)).isEqualTo(1);
  }

  @Test
  void aClassNamedButNotFoundIsSkipped() {
    assertThat(StopWarmup.load(getClass().getClassLoader(), "dev.quiesce.no.SuchClass", StopRun.class.getName()))
        .isEqualTo(1);
  }

  @Test
  void everyClassTheCoordinatorsPartNamesLoads() {
    // a Quiesce, Vert.x or Jackson change that renames one shows here, not as a silently skipped
    // name; the JDK's own nested classes differ between feature releases (two of JDK 17's are gone in
    // JDK 25), so those are loaded where they exist and need not all exist on every JDK
    assertThat(StopRehearsal.NAMED_CLASSES).filteredOn(name -> !isJdkInternal(name)).isNotEmpty().allSatisfy(name ->
        assertThat(StopWarmup.load(getClass().getClassLoader(), name)).as(name).isEqualTo(1));
    assertThat(StopWarmup.load(getClass().getClassLoader(), StopRehearsal.NAMED_CLASSES))
        .as("most of the names load on this JDK").isGreaterThanOrEqualTo(StopRehearsal.NAMED_CLASSES.length - 3);
  }

  private static boolean isJdkInternal(String name) {
    return name.startsWith("java.") || name.startsWith("sun.") || name.startsWith("jdk.");
  }

  @Test
  void aThrowingPartDoesNotStopTheNextAndWritesNothingOnStderr() {
    List<String> ran = new CopyOnWriteArrayList<>();
    List<StopWarmup> parts = List.of(() -> {
      throw new AssertionError("a broken part");
    }, () -> {
      throw new StackOverflowError();
    }, () -> ran.add("third"));
    PrintStream stderr = System.err;
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    int ok;
    System.setErr(new PrintStream(written, true));
    try {
      ok = StopRehearsal.rehearse(parts, () -> true);
    } finally {
      System.setErr(stderr);
    }
    assertThat(ok).isEqualTo(1);
    assertThat(ran).containsExactly("third");
    assertThat(written.toString()).isEmpty();
  }

  @Test
  void aStopBegunDuringTheRehearsalEndsItBetweenParts() {
    AtomicReference<LifecycleState> state = new AtomicReference<>(LifecycleState.RUNNING);
    List<String> ran = new CopyOnWriteArrayList<>();
    List<StopWarmup> parts = List.of(() -> {
      ran.add("first");
      state.set(LifecycleState.STOPPING); // SIGTERM arrives while the first part runs
    }, () -> ran.add("second"));
    assertThat(StopRehearsal.rehearse(parts, () -> state.get() == LifecycleState.RUNNING)).isEqualTo(1);
    assertThat(ran).containsExactly("first");
  }

  @Test
  void aSecondCoordinatorInTheSameJvmDoesNotStartAnotherRehearsal() {
    Vertx first = Vertx.vertx();
    Vertx second = Vertx.vertx();
    try {
      running(first);
      running(second);
      assertThat(StopRehearsal.threadsStarted()).isEqualTo(1);
    } finally {
      Await.result(first.close());
      Await.result(second.close());
    }
  }

  private static void running(Vertx vertx) {
    LifecycleCoordinator coordinator = new LifecycleCoordinator(LifecycleConfig.from(new JsonObject()));
    Await.result(vertx.deployVerticle(coordinator, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
    coordinator.markRunning();
    Await.until("the coordinator runs", Duration.ofSeconds(5), () -> coordinator.state() == LifecycleState.RUNNING);
  }
}
