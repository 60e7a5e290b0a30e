package dev.quiesce.web.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/** Runs work on another verticle's context and hands the outcome back on the caller's. */
final class OnContext {

  private OnContext() {
  }

  /**
   * Runs {@code action} on {@code target}; the returned future completes on the calling context
   * (or on {@code target}'s thread when called from outside Vert.x). An exception thrown by
   * {@code action} fails the future.
   */
  static <T> Future<T> call(Context target, Supplier<Future<T>> action) {
    Context caller = Vertx.currentContext();
    Promise<T> promise = Promise.promise();
    target.runOnContext(v -> {
      Future<T> outcome;
      try {
        outcome = action.get();
        if (outcome == null) {
          outcome = Future.failedFuture(new IllegalStateException("returned null instead of a Future"));
        }
      } catch (Throwable t) {
        outcome = Future.failedFuture(t);
      }
      outcome.onComplete(ar -> {
        if (caller == null || caller == target) {
          promise.handle(ar);
        } else {
          caller.runOnContext(x -> promise.handle(ar));
        }
      });
    });
    return promise.future();
  }
}
