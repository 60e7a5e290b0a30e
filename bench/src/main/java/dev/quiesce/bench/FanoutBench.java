package dev.quiesce.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Benchmark 3, child fan-out: the example application with one process group of 200 children
 * ({@code bench/scripts/fanout-child.sh}), each of which needs 1 s to clean up after TERM. SIGTERM
 * to the JVM; the children log when they received TERM and when they exit
 * ({@code $EPOCHREALTIME}, microseconds, the same clock as the harness's {@code Instant.now()}).
 * Target: all exited within 1.3 s of the signal (the physical limit is the 1 s clean-up), and at
 * most 50 ms between the first and the last child receiving TERM. With {@code --baseline}, each round
 * is followed by one of the same children without the framework, and the summary shows both side by
 * side (one table: row, Quiesce, baseline, ratio).
 */
final class FanoutBench {

  static final Set<String> OPTIONS = Set.of("rounds", "children", "cleanup", "sleep", "port", "mport", "jvm", "settle", "out");
  static final Set<String> FLAGS = Set.of("baseline");

  private FanoutBench() {
  }

  /**
   * What the children's log says, in ms after the signal sent at {@code wall}: first and last TERM
   * receipt, last exit, and how many received TERM and exited.
   */
  record Receipts(double signalMs, double firstMs, double lastMs, double lastExitMs, int received, int exited) {

    static Receipts read(Path childLog, Instant wall) throws IOException {
      double sigMs = wall.getEpochSecond() * 1e3 + wall.getNano() / 1e6;
      List<double[]> terms = lines(childLog, "term");
      List<double[]> exits = lines(childLog, "exit");
      double first = terms.stream().mapToDouble(x -> x[0]).min().orElse(Double.NaN);
      double last = terms.stream().mapToDouble(x -> x[0]).max().orElse(Double.NaN);
      double lastExit = exits.stream().mapToDouble(x -> x[0]).max().orElse(Double.NaN);
      return new Receipts(sigMs, first / 1000 - sigMs, last / 1000 - sigMs, lastExit / 1000 - sigMs, terms.size(),
          exits.size());
    }
  }

  record Run(int round, int children, int received, int exited, double firstReceiptMs, double lastReceiptMs,
      double spreadMs, double lastChildExitMs, double jvmExitMs, double terminateStartMs, double terminateMs,
      double terminateStartToLastExitMs, int exitCode, int leftRunning, double foreignPct) {

    /** From the last child's exit (its log line) to the end of the stop: the JVM's exit, or the harness seeing it. */
    double lastExitToDoneMs() {
      return jvmExitMs - lastChildExitMs;
    }
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 5);
    int children = o.integer("children", 200);
    String cleanup = o.string("cleanup", "1");
    String sleep = o.string("sleep", "fork");
    boolean baseline = o.flag("baseline");
    int port = o.integer("port", 18080);
    int mport = o.integer("mport", 18081);
    List<String> jvm = o.list("jvm");
    int settle = o.integer("settle", 1);
    if (settle < 0) {
      throw new IllegalArgumentException("--settle must be 0 or more (seconds), was " + settle);
    }
    report.add(String.format(Locale.ROOT, "Server: `java %s -Dquiesce.processes.0.instances=%d -jar %s --config "
        + "bench/conf/fanout.json`: one group of %d children `bash bench/scripts/fanout-child.sh` (TERM → log the "
        + "receipt, sleep %s s, log, exit 0), stop ladder TERM then KILL after 5 s, terminate budget 10 s. SIGTERM to "
        + "the JVM once every child logged `start` and %d s more (`--settle`%s); %d rounds. Clean-up sleep: %s "
        + "(FANOUT_SLEEP).", String.join(" ", jvm), children, Bench.EXAMPLE_JAR, children, cleanup, settle,
        baseline ? "; the baseline's rounds: 1 s" : "", rounds, sleep));
    if (baseline) {
      report.add("");
      report.add("Baseline (`--baseline`), in the same run, one baseline round after each Quiesce round: the same "
          + "children started by the harness itself (`setsid bash bench/scripts/fanout-child.sh`, each its own process "
          + "group) and signalled by one `kill -TERM -- -PGID…` command naming every group: no framework, what the "
          + "machine itself allows. Its \"signal\" is the start of that kill command; its stop is done when the "
          + "harness has seen the last child exit (process handle).");
    }
    report.add("");
    List<Run> runs = new ArrayList<>();
    List<Run> baselineRuns = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      Run run = once(r, children, cleanup, sleep, port, mport, jvm, settle, report);
      runs.add(run);
      report.progress(progress(false, run));
      if (baseline) {
        Run base = baseline(r, children, cleanup, sleep, report);
        baselineRuns.add(base);
        report.progress(progress(true, base));
      }
    }
    summarize(runs, baselineRuns, cleanup, report);
  }

  private static String progress(boolean isBaseline, Run run) {
    return String.format(Locale.ROOT, "%s round %d: TERM received by %d/%d, first %.1f ms last %.1f ms after the signal "
        + "(spread %.1f ms); last child exited %.1f ms, stop done (%s) %.1f ms after the signal%s; exit %d; left "
        + "running %d; foreign CPU %.0f%%", isBaseline ? "baseline" : "quiesce", run.round(), run.received(),
        run.children(), run.firstReceiptMs(), run.lastReceiptMs(), run.spreadMs(), run.lastChildExitMs(),
        isBaseline ? "last exit seen" : "JVM exited", run.jvmExitMs(), isBaseline ? "" : String.format(Locale.ROOT, "; terminate phase began %.1f ms after the "
            + "signal and took %.0f ms", run.terminateStartMs(), run.terminateMs()),
        run.exitCode(), run.leftRunning(), run.foreignPct());
  }

  static Run once(int round, int children, String cleanup, String sleep, int port, int mport, List<String> jvm,
      int settleSeconds, Report report) throws Exception {
    Http.requireFree(port, mport);
    CpuMonitor.awaitQuiet();
    Path childLog = report.file("children-r" + round + ".log").toAbsolutePath();
    Files.deleteIfExists(childLog);
    Files.createFile(childLog);
    Path reportFile = report.file("stop-report-r" + round + ".json").toAbsolutePath();
    List<String> flags = new ArrayList<>(jvm);
    flags.addAll(List.of("-Dquiesce.http.port=" + port, "-Dquiesce.management.port=" + mport,
        "-Dquiesce.processes.0.instances=" + children, "-Dquiesce.lifecycle.reportFile=" + reportFile));
    Server server = Server.java("fanout", flags, List.of("-jar", Bench.EXAMPLE_JAR, "--config",
        "bench/conf/fanout.json"), Path.of("."), report.file("server-r" + round + ".log"),
        Map.of("FANOUT_LOG", childLog.toString(), "FANOUT_CLEANUP", cleanup, "FANOUT_SLEEP", sleep));
    try {
      Http.awaitOk(server, mport, "/health/ready", 60_000, 20);
      long until = System.nanoTime() + 60_000_000_000L;
      while (count(childLog, "start") < children) {
        server.checkAlive();
        if (System.nanoTime() > until) {
          throw new IllegalStateException("only " + count(childLog, "start") + " of " + children
              + " children started within 60 s");
        }
        Thread.sleep(50);
      }
      // the settle time (an idle server; no requests are sent), the server checked alive every 50 ms
      long signalAt = System.nanoTime() + settleSeconds * 1_000_000_000L;
      while (signalAt - System.nanoTime() > 0) {
        server.checkAlive();
        Thread.sleep(Math.max(1, Math.min(50, (signalAt - System.nanoTime()) / 1_000_000)));
      }
      CpuMonitor cpu = CpuMonitor.start();
      Instant wall = Instant.now();
      long sig = server.term();
      int exit = server.awaitExit(60_000);
      double foreign = cpu.stop().foreignPct();
      Receipts r = Receipts.read(childLog, wall);
      int left = 0;
      for (double[] s : lines(childLog, "start")) {
        if (ProcessHandle.of((long) s[1]).map(ProcessHandle::isAlive).orElse(false)) {
          left++;
        }
      }
      JsonObject stop = StopReport.read(reportFile);
      double terminateStart = stop == null ? Double.NaN
          : stop.getLong("start") + StopReport.phaseStartMs(stop, "terminate") - r.signalMs();
      return new Run(round, children, r.received(), r.exited(), r.firstMs(), r.lastMs(), r.lastMs() - r.firstMs(),
          r.lastExitMs(), (server.exitNanos() - sig) / 1e6, terminateStart, StopReport.phaseMs(stop, "terminate"),
          r.lastExitMs() - terminateStart, exit, left, foreign);
    } finally {
      server.stopQuietly(10_000);
    }
  }

  /** No framework: the harness starts the children and signals every group with one kill command. */
  static Run baseline(int round, int children, String cleanup, String sleep, Report report) throws Exception {
    CpuMonitor.awaitQuiet();
    Path childLog = report.file("baseline-children-r" + round + ".log").toAbsolutePath();
    Files.deleteIfExists(childLog);
    Files.createFile(childLog);
    List<Server> started = new ArrayList<>();
    try {
      for (int i = 0; i < children; i++) {
        started.add(Server.start("child-" + i, List.of("setsid", "bash", "bench/scripts/fanout-child.sh"), Path.of("."),
            report.file("baseline-child-output.log"), Map.of("FANOUT_LOG", childLog.toString(), "FANOUT_CLEANUP",
                cleanup, "FANOUT_SLEEP", sleep)));
      }
      long until = System.nanoTime() + 60_000_000_000L;
      while (count(childLog, "start") < children) {
        if (System.nanoTime() > until) {
          throw new IllegalStateException("only " + count(childLog, "start") + " children started within 60 s");
        }
        Thread.sleep(50);
      }
      Thread.sleep(1000);
      List<String> kill = new ArrayList<>(List.of("kill", "-TERM", "--"));
      for (Server s : started) {
        kill.add("-" + s.pid());
      }
      CpuMonitor cpu = CpuMonitor.start();
      Instant wall = Instant.now();
      long sig = System.nanoTime();
      ProcessBuilder pb = new ProcessBuilder(kill);
      pb.environment().put("BENCH_TAG", Bench.TAG);
      pb.start().waitFor();
      long lastExit = sig;
      for (Server s : started) {
        s.awaitExit(30_000);
        lastExit = Math.max(lastExit, s.exitNanos());
      }
      double foreign = cpu.stop().foreignPct();
      Receipts r = Receipts.read(childLog, wall);
      int left = (int) started.stream().filter(Server::alive).count();
      return new Run(round, children, r.received(), r.exited(), r.firstMs(), r.lastMs(), r.lastMs() - r.firstMs(),
          r.lastExitMs(), (lastExit - sig) / 1e6, Double.NaN, Double.NaN, Double.NaN, 0, left, foreign);
    } finally {
      for (Server s : started) {
        s.stopQuietly(2000);
      }
    }
  }

  private static long count(Path log, String kind) throws IOException {
    try (var lines = Files.lines(log)) {
      return lines.filter(l -> l.startsWith(kind + " ")).count();
    }
  }

  /** {epoch microseconds, pid} of every line of {@code kind}. */
  private static List<double[]> lines(Path log, String kind) throws IOException {
    List<double[]> out = new ArrayList<>();
    for (String l : Files.readAllLines(log)) {
      String[] f = l.trim().split("\\s+");
      if (f.length == 3 && f[0].equals(kind)) {
        out.add(new double[] {Double.parseDouble(f[1]) * 1e6, Double.parseDouble(f[2])});
      }
    }
    return out;
  }

  /**
   * One table, a row per measure, the Quiesce run and the baseline (when run) side by side with the
   * ratio of their medians; a measure that exists in one run only says so in its row.
   */
  private static void summarize(List<Run> runs, List<Run> baselineRuns, String cleanup, Report report) {
    double limit = Double.parseDouble(cleanup) * 1000;
    boolean withBaseline = !baselineRuns.isEmpty();
    report.add("All times in ms after the signal (Quiesce: SIGTERM to the JVM; baseline: the start of its kill "
        + "command). Each cell: median [p25–p75] (min–max) over the rounds. Physical limit: " + (long) limit
        + " ms (each child's clean-up)." + (withBaseline ? "" : " Baseline: not run (add `--baseline`)."));
    report.add("");
    report.add("| row | Quiesce | baseline | ratio (medians) | target | verdict |");
    report.add("|---|---|---|---|---|---|");
    report.add(pair("signal → first child received TERM (children's log)", runs, baselineRuns, Run::firstReceiptMs,
        "Quiesce ≤ 10", q -> q.median() <= 10));
    report.add(pair("first → last child receiving TERM (spread)", runs, baselineRuns, Run::spreadMs, "≤ 50",
        q -> q.median() <= 50));
    report.add(pair("signal → last child received TERM", runs, baselineRuns, Run::lastReceiptMs, "", null));
    report.add(pair("signal → last child exited (its last log line)", runs, baselineRuns, Run::lastChildExitMs,
        "≤ 1300", q -> q.median() <= 1300));
    Stats done = Stats.of(runs.stream().map(Run::jvmExitMs).toList());
    Stats baseDone = Stats.of(baselineRuns.stream().map(Run::jvmExitMs).toList());
    report.add(pair("signal → stop done. Quiesce: JVM exited (all reaped, report written; process handle). Baseline: "
        + "the harness saw the last child exit (process handle)", runs, baselineRuns, Run::jvmExitMs,
        "Quiesce ≤ 1.05 × baseline", withBaseline ? q -> q.median() <= 1.05 * baseDone.median() : null));
    report.add(pair("last child exited → stop done (the tail: noticing the exits, then for Quiesce the close phase, "
        + "report, Vert.x close and JVM exit)", runs, baselineRuns, Run::lastExitToDoneMs, "Quiesce ≤ 30",
        q -> q.median() <= 30));
    report.add(pair("signal → terminate phase began (stop report; Quiesce only)", runs, List.of(),
        Run::terminateStartMs, "", null));
    report.add(pair("terminate phase began → last child exited (Quiesce only)", runs, List.of(),
        Run::terminateStartToLastExitMs, "", null));
    report.add(pair("terminate phase duration (stop report; Quiesce only)", runs, List.of(), Run::terminateMs, "",
        null));
    report.add("");
    report.add(String.format(Locale.ROOT, "Quiesce: children that received TERM / exited / were left running, all rounds: "
        + "%d / %d / %d of %d; exit codes %s; foreign CPU max %.0f %% of a core. JVM exit median %.1f ms%s.",
        runs.stream().mapToInt(Run::received).sum(), runs.stream().mapToInt(Run::exited).sum(),
        runs.stream().mapToInt(Run::leftRunning).sum(), runs.stream().mapToInt(Run::children).sum(),
        runs.stream().map(r -> Integer.toString(r.exitCode())).distinct().toList(),
        runs.stream().mapToDouble(Run::foreignPct).max().orElse(0), done.median(),
        withBaseline ? String.format(Locale.ROOT, " = %.3f × the baseline's last exit (%.1f ms)",
            done.median() / baseDone.median(), baseDone.median()) : ""));
    if (withBaseline) {
      report.add(String.format(Locale.ROOT, "Baseline: children that received TERM / exited / were left running: "
          + "%d / %d / %d of %d; foreign CPU max %.0f %% of a core.",
          baselineRuns.stream().mapToInt(Run::received).sum(), baselineRuns.stream().mapToInt(Run::exited).sum(),
          baselineRuns.stream().mapToInt(Run::leftRunning).sum(), baselineRuns.stream().mapToInt(Run::children).sum(),
          baselineRuns.stream().mapToDouble(Run::foreignPct).max().orElse(0)));
    }
  }

  /**
   * A row of the table: {@code measure} of the Quiesce rounds and of the baseline rounds, the ratio of the
   * medians, and the verdict of {@code pass} on the Quiesce figure (none when null).
   */
  private static String pair(String what, List<Run> runs, List<Run> baselineRuns, ToDoubleFunction<Run> measure,
      String target, Predicate<Stats> pass) {
    Stats q = Stats.of(runs.stream().map(r -> measure.applyAsDouble(r)).toList());
    Stats b = Stats.of(baselineRuns.stream().map(r -> measure.applyAsDouble(r)).toList());
    String ratio = b.n() == 0 || q.n() == 0 || b.median() == 0 ? "—"
        : String.format(Locale.ROOT, "%.2f", q.median() / b.median());
    String verdict = pass == null || q.n() == 0 ? "" : pass.test(q) ? "pass" : "MISS";
    return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |", what, q.fmtFull(1),
        b.n() == 0 ? "—" : b.fmtFull(1), ratio, target.isEmpty() ? "—" : target, verdict);
  }
}
