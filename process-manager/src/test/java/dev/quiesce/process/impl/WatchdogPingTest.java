package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.process.ProcessesConfig;
import dev.quiesce.signal.PosixSignal;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The watchdog health check against {@link Instance#watchdogPing}, the entry the notify receiver calls
 * on {@code WATCHDOG=1}: pings within the period keep a real child healthy; once they stop, it is
 * found unhealthy within the period and a half.
 */
class WatchdogPingTest {

  private Vertx vertx;
  private Context context;
  private Supervisor supervisor;
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    vertx.eventBus().<JsonObject>consumer(EventBusContract.PROCESS_EVENTS, m -> events.add(m.body()));
  }

  @AfterEach
  void stopChildrenAndVertx() {
    try {
      if (supervisor != null) {
        Await.result(onContext(() -> supervisor.shutdown()).compose(f -> f), Duration.ofSeconds(20));
      }
    } finally {
      Await.result(vertx.close(), Duration.ofSeconds(20));
    }
  }

  private <T> Future<T> onContext(Callable<T> task) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        p.complete(task.call());
      } catch (Exception e) {
        p.fail(e);
      }
    });
    return p.future();
  }

  private List<JsonObject> events(String type) {
    return events.stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  @Test
  void pingsWithinThePeriodKeepTheChildHealthyAndAMissIsFound() {
    ProcessesConfig config = ProcessesConfig.from(new JsonObject().put("processes", new JsonArray().add(new JsonObject()
        .put("name", "pinger").put("command", new JsonArray().add("sleep").add("600")).put("restart", "never")
        .put("health", new JsonObject().put("watchdog", "300ms")))));
    supervisor = Await.result(onContext(() -> new Supervisor(vertx, context,
        new ChildLauncher(ChildLauncher.Tools.find(), PosixSignal.KILL, null, null), config, List.of(), 0)),
        Duration.ofSeconds(5));
    Await.result(onContext(() -> supervisor.startAll()).compose(f -> f), Duration.ofSeconds(10));
    Instance instance = Await.result(onContext(() -> supervisor.group("pinger").instances().get(0)),
        Duration.ofSeconds(5));
    Await.until("ready", Duration.ofSeconds(10), () -> !events("ready").isEmpty());

    AtomicInteger pings = new AtomicInteger();
    AtomicLong lastPing = new AtomicLong();
    long pinger = vertx.setPeriodic(100, id -> {
      instance.watchdogPing(null);
      lastPing.set(System.currentTimeMillis());
      pings.incrementAndGet();
    });
    Await.until("15 pings, five periods", Duration.ofSeconds(20), () -> pings.get() >= 15);
    vertx.cancelTimer(pinger);
    assertThat(events("unhealthy")).as("healthy while it pings").isEmpty();

    Await.until("unhealthy once the pings stopped", Duration.ofSeconds(10), () -> !events("unhealthy").isEmpty());
    JsonObject unhealthy = events("unhealthy").get(0);
    assertThat(unhealthy.getString("probe")).isEqualTo("watchdog");
    assertThat(unhealthy.getString("reason")).contains(" ms since the last one (watchdog 300 ms)");
    assertThat(unhealthy.getLong("at") - lastPing.get()).as("last ping to unhealthy")
        .isGreaterThanOrEqualTo(300L).isLessThan(Timing.upTo(450L + 1000L));
  }
}
