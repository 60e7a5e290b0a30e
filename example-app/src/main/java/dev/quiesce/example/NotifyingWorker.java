package dev.quiesce.example;

import dev.quiesce.systemd.SdNotify;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * The example's child that speaks systemd's notify protocol, as a program written for
 * {@code Type=notify} would, unchanged under Quiesce (processes[2] of conf/config.json, readiness
 * {@code "notify"}, health {@code "watchdog"}). It writes to {@code $NOTIFY_SOCKET} itself through
 * {@link SdNotify} rather than running {@code systemd-notify}, which a fresh Debian without the
 * {@code systemd} package lacks.
 *
 * <p>It says {@code STATUS=warming up}, warms up for {@code NOTIFY_WORKER_WARMUP_SECONDS} (default
 * 0.3), says {@code READY=1}, then each second does a batch of work and says
 * {@code STATUS=indexed N batches}, and sends {@code WATCHDOG=1} at half of {@code $WATCHDOG_USEC}.
 * {@code NOTIFY_WORKER_HANG_AFTER_SECONDS} (unset by default) stops the work and the pings after that
 * long, as a hung program would, so the watchdog can be seen restarting it. On TERM or INT it says
 * {@code STOPPING=1}, flushes for {@code NOTIFY_WORKER_FLUSH_SECONDS} (default 0.3) and exits 0.
 * Without {@code $NOTIFY_SOCKET} it runs the same and tells nobody. Every line carries a timestamp.
 */
public final class NotifyingWorker {

  private NotifyingWorker() {
  }

  public static void main(String[] args) throws InterruptedException {
    Optional<SdNotify> notify = SdNotify.fromEnvironment();
    CountDownLatch stop = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), s -> stop.countDown());
    Signal.handle(new Signal("INT"), s -> stop.countDown());
    String name = "indexer-" + System.getenv().getOrDefault("QUIESCE_INSTANCE", "0");
    Duration watchdog = SdNotify.watchdogPeriod().orElse(null);
    log(name, "warming up" + (watchdog == null ? "" : ", watchdog " + watchdog.toMillis() + " ms")
        + (notify.isPresent() ? "" : ", no NOTIFY_SOCKET: telling nobody"));
    notify.ifPresent(n -> n.send("STATUS=warming up"));
    if (stop.await(seconds("NOTIFY_WORKER_WARMUP_SECONDS", 0.3), TimeUnit.MILLISECONDS)) {
      exit(name, notify);
      return;
    }
    notify.ifPresent(n -> n.sendAndWait(SdNotify.DEFAULT_BARRIER_TIMEOUT, "READY=1", "STATUS=indexed 0 batches"));
    log(name, "ready");
    long hangAfter = System.getenv("NOTIFY_WORKER_HANG_AFTER_SECONDS") == null ? Long.MAX_VALUE
        : seconds("NOTIFY_WORKER_HANG_AFTER_SECONDS", 0);
    long readyAt = System.nanoTime();
    long pingEvery = watchdog == null ? 1000 : Math.max(10, watchdog.toMillis() / 2);
    long nextBatch = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    int batches = 0;
    boolean hung = false;
    while (!stop.await(Math.min(pingEvery, 1000), TimeUnit.MILLISECONDS)) {
      if (!hung && (System.nanoTime() - readyAt) / 1_000_000 >= hangAfter) {
        hung = true;
        log(name, "hanging: no more work and no more watchdog pings");
      }
      if (hung) {
        continue;
      }
      String status = null;
      if (System.nanoTime() >= nextBatch) {
        batches++;
        nextBatch += TimeUnit.SECONDS.toNanos(1);
        status = "STATUS=indexed " + batches + " batches";
      }
      String[] message = status == null ? new String[] {"WATCHDOG=1"} : new String[] {"WATCHDOG=1", status};
      notify.ifPresent(n -> n.send(message));
    }
    exit(name, notify);
  }

  private static void exit(String name, Optional<SdNotify> notify) throws InterruptedException {
    long flush = seconds("NOTIFY_WORKER_FLUSH_SECONDS", 0.3);
    log(name, "got a stop signal, flushing for " + flush + " ms");
    notify.ifPresent(n -> n.sendAndWait(SdNotify.DEFAULT_BARRIER_TIMEOUT, "STOPPING=1", "STATUS=flushing"));
    Thread.sleep(flush);
    log(name, "clean exit");
    System.exit(0);
  }

  /** {@code variable} in seconds (fractions allowed), as milliseconds; {@code otherwise} when unset or bad. */
  private static long seconds(String variable, double otherwise) {
    String v = System.getenv(variable);
    double s = otherwise;
    if (v != null) {
      try {
        s = Double.parseDouble(v.trim());
      } catch (NumberFormatException e) {
        log("indexer", variable + "=" + v + " is not a number of seconds; using " + otherwise);
      }
    }
    return (long) (Math.max(0, s) * 1000);
  }

  private static void log(String name, String line) {
    System.out.println(Instant.now() + " " + name + " pid=" + ProcessHandle.current().pid() + ": " + line);
  }
}
