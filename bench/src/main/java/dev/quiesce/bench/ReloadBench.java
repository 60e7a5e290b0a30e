package dev.quiesce.bench;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark 4, reload under load: the example application (2 HTTP instances, no child processes)
 * under a steady open-loop load at a fixed rate, once with keep-alive connections and once with a
 * connection per request; first a steady window, then 5 reloads in a row (SIGHUP; the next once
 * the previous one's {@code reload} event arrived). Failed requests (target 0) and p50/p99 of the
 * requests due during the reloads against the steady window.
 */
final class ReloadBench {

  static final Set<String> OPTIONS = Set.of("rounds", "reloads", "rate", "connections", "steady", "warmup", "path",
      "port", "mport", "jvm", "out", "modes");
  static final Set<String> FLAGS = Set.of();

  private ReloadBench() {
  }

  record Run(String mode, int round, LoadGen.Window steady, LoadGen.Window reloads, LoadGen.Window all,
      List<Double> reloadMs, List<String> outcomes, CpuMonitor.Load load) {
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 5);
    int reloads = o.integer("reloads", 5);
    int rate = o.integer("rate", 1000);
    int connections = o.integer("connections", 32);
    int steady = o.integer("steady", 5);
    int warmup = o.integer("warmup", 3);
    String path = o.string("path", "/work?ms=5");
    int port = o.integer("port", 18080);
    int mport = o.integer("mport", 18081);
    List<String> modes = List.of(o.string("modes", "keep-alive,close").split(","));
    List<String> jvm = o.list("jvm");
    report.add(String.format(Locale.ROOT, "Server: `java %s -jar %s --config bench/conf/reload.json` (2 HTTP instances, "
        + "reloadCloseWindow 500 ms, no child processes). Load: open loop, %d req/s of `GET %s` over at most %d "
        + "connections (Vert.x HttpClient), latency from the moment each request was due; %d s warm-up, %d s steady, "
        + "then %d reloads in a row by SIGHUP (each once the previous one's `reload` event arrived), then 0.5 s more. "
        + "%d rounds, a fresh server per round and mode; modes %s.", String.join(" ", jvm), Bench.EXAMPLE_JAR, rate,
        path, connections, warmup, steady, reloads, rounds, modes));
    report.add("");
    Vertx vertx = Vertx.vertx();
    List<Run> runs = new ArrayList<>();
    try {
      for (int r = 1; r <= rounds; r++) {
        List<String> order = new ArrayList<>(modes);
        if (r % 2 == 0) {
          java.util.Collections.reverse(order);
        }
        for (String mode : order) {
          Run run = once(vertx, mode, r, reloads, rate, connections, steady, warmup, path, port, mport, jvm, report);
          runs.add(run);
          report.progress(String.format(Locale.ROOT, "round %d %-10s steady p50 %.2f p99 %.2f max %.1f ms | reloads "
              + "p50 %.2f p99 %.2f max %.1f ms | failed %d of %d %s | reloads %s ms %s | foreign CPU %.0f%%", r, mode,
              run.steady().p50(), run.steady().p99(), run.steady().max(), run.reloads().p50(), run.reloads().p99(),
              run.reloads().max(), run.all().failed(), run.all().requests(), run.all().reasons(),
              run.reloadMs().stream().map(d -> String.format(Locale.ROOT, "%.0f", d)).toList(), run.outcomes(),
              run.load().foreignPct()));
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    summarize(runs, modes, report);
  }

  static Run once(Vertx vertx, String mode, int round, int reloads, int rate, int connections, int steady,
      int warmup, String path, int port, int mport, List<String> jvm, Report report) throws Exception {
    Http.requireFree(port, mport);
    List<String> flags = new ArrayList<>(jvm);
    flags.addAll(List.of("-Dquiesce.http.port=" + port, "-Dquiesce.management.port=" + mport,
        "-Dquiesce.lifecycle.reportFile=" + report.file("stop-report-" + mode + "-r" + round + ".json").toAbsolutePath()));
    Server server = Server.java("example-" + mode, flags, List.of("-jar", Bench.EXAMPLE_JAR, "--config",
        "bench/conf/reload.json"), Path.of("."), report.file("server-" + mode + "-r" + round + ".log"), Map.of());
    try (EventWatcher events = awaitReady(server, port, mport)) {
      LoadGen load = new LoadGen(vertx, port, path, rate, connections, mode.equals("keep-alive"),
          warmup + steady + reloads * 10 + 30);
      CpuMonitor.awaitQuiet();
      load.start();
      boolean stopped = false;
      try {
        Thread.sleep(warmup * 1000L);
        CpuMonitor cpu = CpuMonitor.start();
        long steadyFrom = System.nanoTime();
        Thread.sleep(steady * 1000L);
        long steadyTo = System.nanoTime();
        List<Double> took = new ArrayList<>();
        List<String> outcomes = new ArrayList<>();
        long reloadFrom = System.nanoTime();
        for (int i = 0; i < reloads; i++) {
          long sent = server.signal("HUP");
          EventWatcher.Event done = events.next("reload", 30_000);
          if (done == null) {
            throw new IllegalStateException("no reload event within 30 s of SIGHUP " + (i + 1) + "; log: " + server.log);
          }
          took.add((done.at() - sent) / 1e6);
          outcomes.add(done.data().getString("outcome", "?"));
        }
        long reloadTo = System.nanoTime();
        Thread.sleep(500);
        long end = System.nanoTime();
        load.stop(15_000);
        stopped = true;
        CpuMonitor.Load cpuLoad = cpu.stop();
        server.term();
        server.awaitExit(30_000);
        return new Run(mode, round, load.window(steadyFrom, steadyTo), load.window(reloadFrom, reloadTo),
            load.window(0, end), took, outcomes, cpuLoad);
      } finally {
        if (!stopped) {
          load.stop(5_000);
        }
      }
    } finally {
      server.stopQuietly(5000);
    }
  }

  private static EventWatcher awaitReady(Server server, int port, int mport) throws Exception {
    Http.awaitOk(server, mport, "/health/ready", 30_000, 10);
    // /health/ready can answer 200 before the application's listener is bound (docs/BENCHMARKS.md)
    Http.awaitOk(server, port, "/hello", 30_000, 10);
    return new EventWatcher(mport);
  }

  private static void summarize(List<Run> runs, List<String> modes, Report report) {
    report.add("Latency in ms, from the moment each request was due. Spread: (min–max) over the rounds.");
    report.add("");
    report.add("| mode | failed requests (all rounds) | target | steady p50 | steady p99 | p50 during reloads | p99 during "
        + "reloads | p99 reloads / steady | max during reloads | one reload took | verdict |");
    report.add("|---|---|---|---|---|---|---|---|---|---|---|");
    for (String mode : modes) {
      List<Run> rs = runs.stream().filter(x -> x.mode().equals(mode)).toList();
      int failed = rs.stream().mapToInt(x -> x.all().failed()).sum();
      int total = rs.stream().mapToInt(x -> x.all().requests()).sum();
      List<String> reasons = rs.stream().flatMap(x -> x.all().reasons().stream()).toList();
      boolean allDone = rs.stream().allMatch(x -> x.outcomes().stream().allMatch("done"::equals));
      report.add(String.format(Locale.ROOT, "| %s | %d of %d%s | 0 | %s | %s | %s | %s | %s | %s | %s | %s |", mode,
          failed, total, reasons.isEmpty() ? "" : " " + reasons, Stats.of(rs.stream().map(x -> x.steady().p50()).toList()).fmt(2),
          Stats.of(rs.stream().map(x -> x.steady().p99()).toList()).fmt(2),
          Stats.of(rs.stream().map(x -> x.reloads().p50()).toList()).fmt(2),
          Stats.of(rs.stream().map(x -> x.reloads().p99()).toList()).fmt(2),
          Stats.of(rs.stream().map(x -> x.reloads().p99() / x.steady().p99()).toList()).fmt(2),
          Stats.of(rs.stream().map(x -> x.reloads().max()).toList()).fmt(1),
          Stats.of(rs.stream().flatMap(x -> x.reloadMs().stream()).toList()).fmt(0),
          failed == 0 && allDone ? "pass" : "MISS" + (allDone ? "" : " (a reload did not end `done`)")));
    }
    report.add("");
    report.add("Foreign CPU during the measured windows, max of rounds: " + String.format(Locale.ROOT, "%.0f %%",
        runs.stream().mapToDouble(x -> x.load().foreignPct()).max().orElse(0)) + " of one core.");
  }
}
