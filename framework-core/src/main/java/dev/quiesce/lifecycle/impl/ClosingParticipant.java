package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.PhaseContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A participant that closes one thing in one phase: the close's future is its answer, so a
 * failure is {@code failed} with its message and a close not done by the deadline is
 * {@code timed-out} by the coordinator.
 */
public final class ClosingParticipant extends SinglePhaseParticipant {

  private final Supplier<? extends Future<?>> close;

  private ClosingParticipant(String name, String phase, Set<String> after, Supplier<? extends Future<?>> close) {
    super(name, phase, after);
    this.close = Objects.requireNonNull(close, "close");
  }

  /** Closes through a Future-returning close. */
  public static ClosingParticipant closing(String name, String phase, Set<String> after,
      Supplier<? extends Future<?>> close) {
    return new ClosingParticipant(name, phase, after, close);
  }

  /** Closes {@code resource} on a worker thread (not ordered: it never waits for other blocking work). */
  public static ClosingParticipant closingBlocking(Vertx vertx, String name, String phase, Set<String> after,
      AutoCloseable resource) {
    Objects.requireNonNull(resource, "resource");
    return new ClosingParticipant(name, phase, after, () -> vertx.executeBlocking(() -> {
      resource.close();
      return null;
    }, false));
  }

  @Override
  public Future<JsonObject> onPhase(PhaseContext phase) {
    Future<?> closed = close.get();
    if (closed == null) {
      return Future.failedFuture(new IllegalStateException(name() + ": the close returned null instead of a Future"));
    }
    return closed.map(v -> new JsonObject().put("closed", true));
  }
}
