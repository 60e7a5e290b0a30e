package dev.quiesce.lifecycle.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.Upgrader;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;

/**
 * The {@code upgrade} events of one upgrade when a stop comes around the moment the successor says it
 * is ready: the successor is ended, so the last word is {@code failed}, never {@code done} alone.
 */
class UpgradeRunTest {

  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final Promise<Long> ready = Promise.promise();
  private final List<String> aborts = new CopyOnWriteArrayList<>();

  private final Upgrader upgrader = new Upgrader() {
    @Override
    public Optional<String> unavailable() {
      return Optional.empty();
    }

    @Override
    public Future<Long> upgrade(String reason, LongConsumer started) {
      started.accept(77);
      return ready.future();
    }

    @Override
    public Future<Void> abort(String reason) {
      aborts.add(reason);
      return Future.succeededFuture();
    }
  };

  private UpgradeRun run() {
    UpgradeRun run = new UpgradeRun(upgrader, "test", (type, fields) -> {
      assertThat(type).isEqualTo(LifecycleEvent.UPGRADE);
      events.add(fields);
    });
    run.run();
    return run;
  }

  private List<String> outcomes() {
    return events.stream().map(e -> e.getString("outcome")).toList();
  }

  @Test
  void aStopJustAfterTheSuccessorSaidReadyEndsItAndTheLastEventSaysFailed() {
    UpgradeRun run = run();
    ready.complete(4242L);

    run.abort("SIGTERM");

    assertThat(aborts).containsExactly("SIGTERM");
    assertThat(outcomes()).containsExactly("started", "done", "failed");
    assertThat(events.get(2).getString("error")).isEqualTo("a stop (SIGTERM) came as the successor pid 4242 said it"
        + " was ready: the successor is ended");
    assertThat(events.get(2).getLong("successorPid")).isEqualTo(4242L);
  }

  @Test
  void aStopThatCameBeforeTheSuccessorsReadyWasSeenNeverPublishesDone() {
    UpgradeRun run = run();
    run.abort("SIGTERM");

    ready.complete(4242L); // the upgrader accepted the successor an instant before it learnt of the stop

    assertThat(outcomes()).containsExactly("started", "failed");
    assertThat(events.get(1).getString("error")).contains("the successor is ended");
  }
}
