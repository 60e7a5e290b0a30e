package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.PeriodicTimers;
import dev.quiesce.lifecycle.PhaseContext;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PeriodicTimers}: the ids of the timers set through it, cancelled together when its phase
 * is heard. Thread-safe: timers may be set and cancelled from any context.
 */
public final class PeriodicTimersParticipant extends SinglePhaseParticipant implements PeriodicTimers {

  private static final Logger LOG = LoggerFactory.getLogger(PeriodicTimersParticipant.class);

  private final Vertx vertx;
  private final Set<Long> active = ConcurrentHashMap.newKeySet();
  private volatile boolean cancelled;

  public PeriodicTimersParticipant(Vertx vertx, String name, String phase, Set<String> after) {
    super(name, phase, after);
    this.vertx = Objects.requireNonNull(vertx, "vertx");
  }

  @Override
  public synchronized long setPeriodic(Duration initialDelay, Duration period, Handler<Long> handler) {
    Objects.requireNonNull(handler, "handler");
    long first = millis("initialDelay", initialDelay);
    long every = millis("period", period);
    if (cancelled) {
      throw new IllegalStateException("periodic timers " + name() + ": phase " + phase()
          + " has begun, no new periodic timer is set");
    }
    long id = vertx.setPeriodic(first, every, tick -> {
      // a tick already due when the phase was heard does not run
      if (!cancelled) {
        handler.handle(tick);
      }
    });
    active.add(id);
    return id;
  }

  private long millis(String what, Duration duration) {
    Objects.requireNonNull(duration, what);
    if (duration.toMillis() < 1) {
      throw new IllegalArgumentException("periodic timers " + name() + ": " + what + " must be at least 1 ms, was "
          + duration);
    }
    return duration.toMillis();
  }

  @Override
  public boolean cancel(long id) {
    return active.remove(id) && vertx.cancelTimer(id);
  }

  @Override
  public int active() {
    return active.size();
  }

  @Override
  public Future<JsonObject> onPhase(PhaseContext context) {
    int count = 0;
    synchronized (this) {
      cancelled = true;
      for (Long id : Set.copyOf(active)) {
        if (active.remove(id) && vertx.cancelTimer(id)) {
          count++;
        }
      }
    }
    // a phase of budget 0 (announce, by default) is not awaited: the report says "notified", the log has the count
    LOG.info("periodic timers {}: {} cancelled in phase {}", name(), count, context.name());
    return Future.succeededFuture(new JsonObject().put("cancelled", count));
  }
}
