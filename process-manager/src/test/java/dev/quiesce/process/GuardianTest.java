package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.process.impl.Guardian;
import dev.quiesce.testing.Await;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guardian process: kills what it watches when the JVM's end of its pipe closes, and exits. */
class GuardianTest extends ProcessTestBase {

  @Test
  void guardianKillsTheGroupsItStillWatchesWhenItsPipeClosesAndExits() throws Exception {
    deploy(ChildFixture.config(children.group("watched", 2), children.group("forgotten", 1)));
    List<Integer> watched = awaitRunning("watched", 2);
    int forgotten = awaitRunning("forgotten", 1).get(0);

    Guardian guardian = Guardian.start("setsid", "test");
    watched.forEach(guardian::watch);
    guardian.watch(forgotten);
    guardian.unwatch(forgotten);
    guardian.close();

    assertThat(Await.result(Future.fromCompletionStage(guardian.onExit()), Duration.ofSeconds(2)).exitValue()).isZero();
    Await.until("the watched groups are gone", Duration.ofSeconds(2),
        () -> watched.stream().noneMatch(ChildFixture::alive));
    assertThat(ChildFixture.alive(forgotten)).isTrue();
  }

  /**
   * Review finding 11: a {@code -} line costs the guardian the same however many groups it lists.
   * 2,000 groups listed (numbers above Linux's largest pid, so no such group can exist), then 2,000
   * watch/forget pairs (a second of 1 s command probes for 2,000 children): read within a few
   * seconds. A list rebuilt on each {@code -} took 7–16 ms a pair there (15–30 s).
   */
  @Test
  void guardianReadsWatchAndForgetLinesAtAConstantCostPerLine() throws Exception {
    int noSuchGroup = 5_000_000; // PID_MAX_LIMIT is 4,194,304
    Guardian guardian = Guardian.start("setsid", "test");
    long began = System.nanoTime();
    for (int i = 0; i < 2000; i++) {
      guardian.watch(noSuchGroup + i);
    }
    for (int i = 0; i < 2000; i++) {
      guardian.watch(noSuchGroup + 10_000 + i);
      guardian.unwatch(noSuchGroup + 10_000 + i);
    }
    guardian.close();

    assertThat(Await.result(Future.fromCompletionStage(guardian.onExit()), Duration.ofSeconds(5)).exitValue()).isZero();
    System.out.println("guardian: 2,000 listed, 2,000 watch/forget pairs read and exited in "
        + (System.nanoTime() - began) / 1_000_000 + " ms");
  }

  @Test
  void guardianOfTheManagerExitsAfterACleanStop() {
    ProcessManagerVerticle verticle = new ProcessManagerVerticle(options());
    String id = Await.result(vertx.deployVerticle(verticle, new DeploymentOptions()
        .setConfig(ChildFixture.config(children.group("g", 1)))), Duration.ofSeconds(10));
    int pid = awaitRunning("g", 1).get(0);
    int guardian = (int) verticle.guardianPid();
    assertThat(ChildFixture.alive(guardian)).isTrue();

    Await.result(vertx.undeploy(id), Duration.ofSeconds(15));

    assertThat(children.signalNames(pid)).containsExactly("TERM");
    Await.until("the guardian is gone", Duration.ofSeconds(2), () -> !ChildFixture.alive(guardian));
    assertThat(temp.resolve("state").toFile().list()).isEmpty();
    awaitEvent("exited");
    assertThat(events("exited")).singleElement().satisfies(e -> assertThat(e.getBoolean("expected")).isTrue());
  }
}
