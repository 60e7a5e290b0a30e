package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.testing.Await;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The job queue in this JVM, with a real coordinator and a real event bus: what it takes and what
 * it refuses (the stops are in {@link JobQueueIT}, with the jar).
 */
class JobQueueVerticleTest {

  private final Vertx vertx = Vertx.vertx();
  private LifecycleCoordinator coordinator;

  @AfterEach
  void close() {
    Await.result(vertx.close(), Duration.ofSeconds(10));
  }

  /** Deploys the coordinator (phases {@code drain 1s, jobs <jobsBudget>}) and the queue, then marks it running. */
  private void start(String jobsBudget, JsonObject jobs) {
    JsonObject config = new JsonObject()
        .put("lifecycle", new JsonObject().put("shutdownTimeout", "60s").put("phases", new JsonArray()
            .add(new JsonObject().put("name", "drain").put("timeout", "1s"))
            .add(new JsonObject().put("name", "jobs").put("timeout", jobsBudget))))
        .put("example", new JsonObject().put("jobs", jobs));
    coordinator = new LifecycleCoordinator(LifecycleConfig.from(config));
    Await.result(vertx.deployVerticle(coordinator, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
    Await.result(vertx.deployVerticle(new JobQueueVerticle(), new DeploymentOptions().setConfig(config)));
    Await.result(coordinator.markRunning());
  }

  private JsonObject submit(Object body) {
    return Await.result(vertx.eventBus().<JsonObject>request(JobQueueVerticle.ADDRESS, body)).body();
  }

  private JsonObject status() {
    return Await.result(vertx.eventBus().<JsonObject>request(JobQueueVerticle.STATUS_ADDRESS, null)).body();
  }

  @Test
  void aMalformedJobIsRefusedWith400AndAFullQueueAnswersWhenToRetry() {
    start("5s", new JsonObject().put("capacity", 2).put("concurrency", 1).put("maxDuration", "10s"));
    for (Object bad : new Object[] {new JsonObject(), new JsonObject().put("ms", 0), new JsonObject().put("ms", 1.5),
        new JsonObject().put("ms", "5"), new JsonObject().put("ms", 10_001), null}) {
      Throwable t = Await.failure(vertx.eventBus().request(JobQueueVerticle.ADDRESS, bad));
      assertThat(t).as("%s", bad).isInstanceOf(ReplyException.class);
      assertThat(((ReplyException) t).failureCode()).isEqualTo(400);
      assertThat(t.getMessage()).contains("a job needs {\"ms\": N}, N a whole number from 1 to 10000");
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(submit(new JsonObject().put("ms", 3000)).getString("id"));
    }
    assertThat(ids).containsExactly("job-1", "job-2", "job-3");
    JsonObject full = submit(new JsonObject().put("ms", 3000));
    assertThat(full.getBoolean("accepted")).isFalse();
    assertThat(full.getString("reason"))
        .isEqualTo("the job queue is full: 2 waiting (example.jobs.capacity), 1 running");
    assertThat(full.getLong("retryAfterSeconds")).isBetween(1L, 3L);
    assertThat(status()).isEqualTo(new JsonObject().put("accepted", 3L).put("waiting", 2).put("running", 1)
        .put("done", 0L).put("notDone", 0L).put("refused", 1L).put("late", 0L).put("capacity", 2)
        .put("concurrency", 1).put("taking", true));
  }

  /**
   * A job that reaches the queue after its submitter's deadline ({@code takeBy}, which the HTTP route
   * sets a margin before its request times out) is not taken: the client that was told 503 never has
   * its job run.
   */
  @Test
  void aJobPastItsSubmittersDeadlineIsNotTakenAndCountedLate() {
    start("5s", new JsonObject().put("capacity", 10).put("concurrency", 1));
    Throwable t = Await.failure(vertx.eventBus().request(JobQueueVerticle.ADDRESS,
        new JsonObject().put("ms", 10).put("takeBy", System.currentTimeMillis() - 1)));
    assertThat(((ReplyException) t).failureCode()).isEqualTo(503);
    assertThat(t.getMessage()).contains("too late");
    JsonObject inTime = submit(new JsonObject().put("ms", 10).put("takeBy", System.currentTimeMillis() + 60_000));
    assertThat(inTime.getBoolean("accepted")).isTrue();
    JsonObject status = status();
    assertThat(status.getLong("accepted")).isEqualTo(1L);
    assertThat(status.getLong("late")).isEqualTo(1L);
  }
}
