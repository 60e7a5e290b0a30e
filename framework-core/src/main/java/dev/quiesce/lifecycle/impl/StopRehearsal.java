package dev.quiesce.lifecycle.impl;

import dev.quiesce.config.Durations;
import dev.quiesce.lifecycle.AckMargin;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.lifecycle.Outcome;
import dev.quiesce.lifecycle.ParticipantOutcome;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.lifecycle.StopReport;
import dev.quiesce.lifecycle.StopWarmup;
import dev.quiesce.lifecycle.Trigger;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rehearsal of the code a stop runs, once, on a background thread of low priority after the
 * coordinator is {@code RUNNING}, so that the stop itself does not pay for its first calls: the
 * loading and linking of its classes, the first call of each lambda (the JVM spins a class for each)
 * and of each string concatenation. Measured with {@code -Xlog:class+load}: about 300 classes loaded
 * between a SIGTERM and the end of the stop before this rehearsal (docs/BENCHMARKS.md, section 3b).
 *
 * <p>It has no effect outside its own objects: it builds, encodes and copies a stop report of 200
 * children made up for it, formats the log lines' figures, and loads the stop's classes; it sends
 * nothing, writes nothing, logs nothing but a failure (at debug level: a failed rehearsal costs only
 * the time it would have saved).
 */
public final class StopRehearsal {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.lifecycle");
  /** As many made-up children as the benchmark stops (docs/BENCHMARKS.md, section 3b). */
  static final int CHILDREN = 200;

  private StopRehearsal() {
  }

  /**
   * Starts the rehearsal on a daemon thread of minimal priority named {@code quiesce-stop-rehearsal}:
   * the coordinator's part, then every {@link StopWarmup} on the class path; never throws, and a
   * failure of one part is logged at debug level and ends only that part.
   */
  static void inBackground() {
    Thread t = new Thread(StopRehearsal::rehearseAll, "quiesce-stop-rehearsal");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  /** Every part, in the calling thread; returns how many parts ran without failing. */
  static int rehearseAll() {
    int ok = 0;
    List<StopWarmup> parts = new ArrayList<>();
    parts.add(StopRehearsal::rehearseCoordinator);
    try {
      ServiceLoader.load(StopWarmup.class, StopRehearsal.class.getClassLoader()).forEach(parts::add);
    } catch (java.util.ServiceConfigurationError e) {
      LOG.debug("stop rehearsal: {}", e.toString());
    }
    for (StopWarmup part : parts) {
      try {
        part.rehearse();
        ok++;
      } catch (RuntimeException | LinkageError e) {
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
    StopWarmup.load(StopRehearsal.class.getClassLoader(), "dev.quiesce.lifecycle.impl.Round$Ack",
        "dev.quiesce.lifecycle.impl.Round$Dispatch", "dev.quiesce.lifecycle.impl.ParticipantOrder$Plan",
        "dev.quiesce.lifecycle.impl.CoordinatorTimers$Timer", "dev.quiesce.launcher.impl.Watchdog",
        "com.fasterxml.jackson.core.json.JsonWriteContext", "com.fasterxml.jackson.core.io.NumberOutput",
        "io.vertx.core.impl.TaskQueue$CloseResult", "io.vertx.core.impl.WorkerTaskQueue$1InterruptSequence",
        "io.vertx.core.json.JsonObject$Iter", "java.nio.channels.Channels$1", "java.nio.file.StandardCopyOption",
        "java.nio.file.AccessDeniedException", "java.nio.file.NoSuchFileException", "sun.nio.fs.UnixCopyFile",
        "java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask", "java.util.concurrent.FutureTask$WaitNode",
        "java.util.concurrent.ForkJoinPool$DefaultCommonPoolForkJoinWorkerThreadFactory$1",
        "java.util.concurrent.atomic.Striped64$Cell", "java.util.LinkedList$ListItr");
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
