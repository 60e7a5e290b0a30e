package dev.quiesce.process.impl;

import dev.quiesce.process.ProcessGroupConfig.Restart;
import io.vertx.core.Vertx;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The restarts of one instance: how many there were, the sliding window its backoff counts them
 * in, and the restart waiting for its delay. Runs on the supervisor's context.
 */
final class RestartBackoff {

  /** A restart scheduled: the how-manieth within the window, and after how long. */
  record Scheduled(int attempt, long delayMs) {
  }

  private final Vertx vertx;
  private final RestartWindow recent = new RestartWindow();
  private int count;
  private long timer = -1;

  RestartBackoff(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Counts a restart at {@code now} and runs {@code restart} after its delay ({@link Backoff#delayMs}). */
  Scheduled schedule(Restart policy, long now, Runnable restart) {
    int previous = recent.countWithin(now, policy.window().toMillis());
    recent.add(now);
    count++;
    long delay = Backoff.delayMs(policy, previous, () -> ThreadLocalRandom.current().nextDouble());
    timer = vertx.setTimer(Math.max(1, delay), id -> {
      timer = -1;
      restart.run();
    });
    return new Scheduled(previous + 1, delay);
  }

  /** Cancels the pending restart; false when none was pending. */
  boolean cancel() {
    if (timer < 0) {
      return false;
    }
    vertx.cancelTimer(timer);
    timer = -1;
    return true;
  }

  /** Forgets the restarts within the window (a reload or an explicit start after a crash loop); the count stays. */
  void forget() {
    recent.clear();
  }

  /** Every restart so far. */
  int count() {
    return count;
  }
}
