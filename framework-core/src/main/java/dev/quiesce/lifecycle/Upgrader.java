package dev.quiesce.lifecycle;

import io.vertx.core.Future;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * How the coordinator runs the {@link LifecycleCommand#UPGRADE upgrade} command: start a successor
 * process and wait until it says it is ready. The launcher provides one ({@code upgrade} section);
 * without one, {@code upgrade} is refused. The coordinator runs one upgrade at a time, never during a
 * stop or a reload; on success it stops this process with {@link Trigger#UPGRADE}.
 */
public interface Upgrader {

  /**
   * Why no upgrade can run in this process (ports cannot be shared, no writable state directory).
   *
   * @return the reason, or empty when an upgrade can run
   */
  Optional<String> unavailable();

  /**
   * Starts the successor.
   *
   * @param reason why the upgrade was asked for, for the log
   * @param started called once with the successor's process group (the process started, the leader of
   *     its own session), when it has started
   * @return completes with the successor's pid once it is running and ready; fails with an
   *     {@link UpgradeFailedException} (the successor has then been ended: this process serves on)
   *     when it could not start, exited or was not ready within its timeout; never hangs past that timeout
   */
  Future<Long> upgrade(String reason, LongConsumer started);

  /**
   * Ends the successor of the upgrade in progress, if any (a stop came during the upgrade): the
   * future of {@link #upgrade} then fails; or, when the successor was accepted an instant before (the
   * future has succeeded, the coordinator has not acted on it yet), ends it all the same, since the
   * stop asked for is the service's. Bounded; never fails.
   *
   * @param reason why, for the log
   * @return completes once the abort is under way (the launcher's does not wait for the successor to end); never failed
   */
  Future<Void> abort(String reason);
}
