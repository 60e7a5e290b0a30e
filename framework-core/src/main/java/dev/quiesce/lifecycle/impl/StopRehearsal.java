package dev.quiesce.lifecycle.impl;

import dev.quiesce.config.Durations;
import dev.quiesce.lifecycle.AckMargin;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.lifecycle.Outcome;
import dev.quiesce.lifecycle.ParticipantOutcome;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.lifecycle.StopReport;
import dev.quiesce.lifecycle.Trigger;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rehearsal of the code a stop runs, once per JVM, on a background daemon thread after the first
 * coordinator is {@code RUNNING}, so that the stop itself does not pay for its first calls: the
 * loading and linking of its classes, the first call of each lambda (the JVM spins a class for each)
 * and of each string concatenation. Measured with {@code -Xlog:class+load}: about 300 classes loaded
 * between a SIGTERM and the end of the stop before this rehearsal (docs/BENCHMARKS.md, section 3b).
 * The thread asks for {@link Thread#MIN_PRIORITY}, which Linux ignores by default (HotSpot maps Java
 * priorities to the OS only with {@code -XX:ThreadPriorityPolicy=1} as root): it competes for the
 * CPU like any thread, for about 35 ms.
 *
 * <p>It has no effect outside its own objects: it builds, encodes and copies a stop report of 200
 * children made up for it, formats the log lines' figures, and loads the stop's classes; it sends
 * nothing, writes nothing, logs nothing but a failure (at debug level: a failed rehearsal costs only
 * the time it would have saved). Its parts run one after the other: the coordinator's, then every
 * {@link StopWarmup} found; once the coordinator leaves {@code RUNNING} (a stop or a reload has
 * begun) no further part starts.
 */
public final class StopRehearsal {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.lifecycle");
  /** As many made-up children as the benchmark stops (docs/BENCHMARKS.md, section 3b). */
  static final int CHILDREN = 200;
  /** At most this many provider entries that fail to load are skipped; then the lookup ends. */
  private static final int PROVIDER_FAILURES = 16;

  /**
   * The stop's classes of framework-core, named: nested private ones and those of libraries; the
   * JDK's own nested classes among them (seen loading after SIGTERM on JDK 17) are loaded where the
   * running JDK has them, and skipped where it does not.
   */
  static final String[] NAMED_CLASSES = {"dev.quiesce.lifecycle.impl.Round$Ack",
      "dev.quiesce.lifecycle.impl.Round$Dispatch", "dev.quiesce.lifecycle.impl.ParticipantOrder$Plan",
      "dev.quiesce.lifecycle.impl.CoordinatorTimers$Timer", "dev.quiesce.launcher.impl.Watchdog",
      "com.fasterxml.jackson.core.json.JsonWriteContext", "com.fasterxml.jackson.core.io.NumberOutput",
      "io.vertx.core.impl.TaskQueue$CloseResult", "io.vertx.core.impl.WorkerTaskQueue$1InterruptSequence",
      "io.vertx.core.json.JsonObject$Iter", "java.nio.channels.Channels$1", "java.nio.file.StandardCopyOption",
      "java.nio.file.AccessDeniedException", "java.nio.file.NoSuchFileException", "sun.nio.fs.UnixCopyFile",
      "java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask", "java.util.concurrent.FutureTask$WaitNode",
      "java.util.concurrent.ForkJoinPool$DefaultCommonPoolForkJoinWorkerThreadFactory$1",
      "java.util.concurrent.atomic.Striped64$Cell", "java.util.LinkedList$ListItr"};

  /** Set by the first coordinator of the JVM to start the rehearsal; never cleared. */
  private static final AtomicBoolean STARTED = new AtomicBoolean();
  private static final AtomicInteger THREADS = new AtomicInteger();

  private StopRehearsal() {
  }

  /**
   * Starts the rehearsal, if no coordinator of this JVM has started it before, on a daemon thread
   * named {@code quiesce-stop-rehearsal}: the coordinator's part, then every {@link StopWarmup} on
   * the class path, each only while {@code running} says so. Never throws.
   *
   * @return whether this call started it (false: it was started before, in this JVM)
   */
  static boolean startOnce(BooleanSupplier running) {
    if (!STARTED.compareAndSet(false, true)) {
      return false;
    }
    Thread t = new Thread(() -> rehearse(parts(), running), "quiesce-stop-rehearsal");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
    THREADS.incrementAndGet();
    return true;
  }

  /** How many rehearsal threads this JVM has started (one at most). */
  static int threadsStarted() {
    return THREADS.get();
  }

  /** The coordinator's part, then each {@link StopWarmup} provider that loads; one that does not is logged and skipped. */
  static List<StopWarmup> parts() {
    List<StopWarmup> parts = new ArrayList<>();
    parts.add(StopRehearsal::rehearseCoordinator);
    Iterator<ServiceLoader.Provider<StopWarmup>> providers =
        ServiceLoader.load(StopWarmup.class, StopRehearsal.class.getClassLoader()).stream().iterator();
    int failures = 0;
    while (failures < PROVIDER_FAILURES) {
      try {
        if (!providers.hasNext()) {
          break;
        }
        parts.add(providers.next().get());
      } catch (ServiceConfigurationError e) {
        // a listed class missing, not linking or failing to construct: the lookup goes on with the next
        failures++;
        LOG.debug("a part of the stop rehearsal is skipped: {}", e.toString());
      }
    }
    return parts;
  }

  /**
   * Runs {@code parts} one after the other in the calling thread while {@code running} is true;
   * whatever a part throws but a {@link VirtualMachineError} (a {@link StackOverflowError} included:
   * it is unwound) is logged at debug level and ends only that part.
   *
   * @return how many parts ran without failing
   */
  static int rehearse(List<StopWarmup> parts, BooleanSupplier running) {
    int ok = 0;
    for (StopWarmup part : parts) {
      if (!running.getAsBoolean()) {
        LOG.debug("the stop rehearsal ends before {}: the coordinator is no longer running", part);
        break;
      }
      try {
        part.rehearse();
        ok++;
      } catch (StackOverflowError e) {
        // the part's own recursion, unwound: the thread is sound
        LOG.debug("the stop rehearsal {} overflowed its stack (the stop pays for its first calls itself)", part);
      } catch (VirtualMachineError e) {
        throw e; // out of memory, an internal error: nothing to rehearse for
      } catch (Throwable e) {
        LOG.debug("the stop rehearsal {} failed (the stop pays for its first calls itself): {}", part, e.toString());
      }
    }
    return ok;
  }

  /** The coordinator's part: a made-up report built, encoded and copied as at the end of a stop; its encoded size. */
  static int rehearseCoordinator() {
    StopWarmup.load(StopRun.class, StopReportBuilder.class, Round.class, CoordinatorTimers.class, ReportFile.class,
        ParticipantOrder.class, Outcome.class, PhaseContext.class, AckMargin.class, LifecycleState.class,
        LifecycleEvent.class, StopReport.Undeployed.class, StopReport.ForcedBy.class, Trigger.class);
    StopWarmup.load(StopRehearsal.class.getClassLoader(), NAMED_CLASSES);
    long now = System.currentTimeMillis();
    StringBuilder figures = new StringBuilder();
    for (long ms : new long[] {0, 7, 1250, -3}) {
      figures.append(StopRun.seconds(ms)).append(StopRun.left(now + ms, now)).append(StopRun.remainingMs(now + ms, now));
    }
    figures.append(Durations.format(Duration.ofMillis(1500))).append(Durations.format(Duration.ZERO));
    JsonArray children = new JsonArray();
    for (int i = 0; i < CHILDREN; i++) {
      children.add(new JsonObject().put("group", "rehearsal").put("instance", i).put("pid", 100_000 + i)
          .put("exit", new JsonObject().put("code", 0)).put("signal", "TERM").put("durationMs", 1000L + i)
          .put("killed", false).put("stragglers", 0).put("escapees", new JsonArray()));
    }
    List<StopReport.Phase> phases = new ArrayList<>();
    phases.add(new StopReport.Phase("announce", 1, 0, 1, false,
        List.of(ParticipantOutcome.of("a", Outcome.NOTIFIED, 1))));
    phases.add(new StopReport.Phase("terminate", 2, 10_000, 1000, false, List.of(new ParticipantOutcome("b",
        Outcome.DONE, 1000, Optional.empty(), new JsonObject().put("children", children).put("stopped", CHILDREN)))));
    List<StopReport.Undeployed> undeployed = List.of(
        new StopReport.Undeployed("id", "verticle", Outcome.DONE, OptionalLong.of(1), Optional.empty()),
        new StopReport.Undeployed("id2", "verticle", Outcome.TIMED_OUT, OptionalLong.empty(), Optional.of("r")));
    StopReport report = new StopReportBuilder(Trigger.SIGNAL, "rehearsal", now, 30_000).build(now + 1, phases,
        undeployed, Optional.of(new StopReport.ForcedBy(Trigger.SIGNAL, "rehearsal")), true);
    JsonObject json = report.toJson();
    String encoded = json.encode();
    // what publishing an event does for each local consumer, and the phase-end event and its log line
    JsonObject event = new JsonObject().put("type", LifecycleEvent.REPORT.wireName()).mergeIn(
        new JsonObject().put("report", json)).copy();
    for (StopReport.Phase phase : phases) {
      event.put(phase.phase(), phase.toJson().copy().encode().length());
    }
    return encoded.length() + figures.length() + (event.isEmpty() ? 1 : 0);
  }
}
