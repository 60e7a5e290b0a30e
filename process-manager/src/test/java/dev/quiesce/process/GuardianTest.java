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
    assertThat(events("exited")).singleElement().satisfies(e -> assertThat(e.getBoolean("expected")).isTrue());
  }
}
