package dev.quiesce.testing;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits for tests: a future's result, or a condition polled until a deadline. */
public final class Await {

  private Await() {
  }

  /**
   * The result of {@code future}, waiting at most {@code timeout} (scaled by {@link Timing#upTo(Duration)});
   * fails the test otherwise.
   */
  public static <T> T result(Future<T> future, Duration timeout) {
    Duration bound = Timing.upTo(timeout);
    try {
      return future.toCompletionStage().toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("the future failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("the future did not complete within " + bound);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The result of {@code future}, waiting at most 10 s. */
  public static <T> T result(Future<T> future) {
    return result(future, Duration.ofSeconds(10));
  }

  /** The failure of {@code future}, waiting at most 10 s (scaled by {@link Timing}); fails the test if it succeeds. */
  public static Throwable failure(Future<?> future) {
    Duration bound = Timing.upTo(Duration.ofSeconds(10));
    try {
      future.toCompletionStage().toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("the future did not complete within " + bound);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    throw new AssertionError("the future succeeded but a failure was expected");
  }

  /**
   * Polls {@code condition} every 10 ms until it holds or {@code timeout} (scaled by
   * {@link Timing#upTo(Duration)}) passes, then fails with {@code what}.
   */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    value(what, timeout, () -> condition.getAsBoolean() ? Boolean.TRUE : null);
  }

  /**
   * Polls {@code poll} every 10 ms until it returns something other than null, and returns that;
   * fails with {@code what} when {@code timeout} (scaled by {@link Timing#upTo(Duration)}) passes
   * first. {@code poll} may throw an {@link AssertionError} to give up early (a process that died).
   */
  public static <T> T value(String what, Duration timeout, Supplier<T> poll) {
    Duration bound = Timing.upTo(timeout);
    long deadline = System.nanoTime() + bound.toNanos();
    while (true) {
      T value = poll.get();
      if (value != null) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + bound + " waiting until " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }
}
