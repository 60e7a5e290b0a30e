package dev.quiesce.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Benchmark 2, drain precision: the example application with N requests in flight (each on a
 * keep-alive connection of its own) that end T after the stop signal; the time from the signal
 * (SIGTERM) to the process exit, seen through the process handle. The physical limit is T; the
 * target is T + 150 ms. N = 0 is the idle stop (target 300 ms).
 *
 * <p>How the requests end T after the signal: each asks {@code /work?ms=M} with M = T + lead;
 * once the server counts all N in flight ({@code inFlightRequests} of {@code /lifecycle/status}),
 * the signal goes at (the last request's send time + M - T). The client records when each
 * response arrived, so the summary shows the real T (signal to last response) beside the exit.
 */
final class DrainBench {

  static final Set<String> OPTIONS = Set.of("rounds", "n", "t", "lead", "port", "mport", "jvm", "out", "config");
  static final Set<String> FLAGS = Set.of("no-control");

  private DrainBench() {
  }

  record Run(int n, int round, boolean control, double lateMs, double signalToExitMs, double signalToLastResponseMs, double lastResponseToExitMs,
      double signalToReportStartMs, double reportEndToExitMs, double drainMs, int failed, int exitCode,
      long completed, long aborted, double foreignPct) {
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 5);
    List<Integer> ns = o.ints("n", List.of(0, 1, 100, 1000));
    int t = o.integer("t", 2000);
    int lead = o.integer("lead", 1500);
    int port = o.integer("port", 18080);
    int mport = o.integer("mport", 18081);
    String config = o.string("config", "bench/conf/drain.json");
    List<String> jvm = o.list("jvm");
    report.add(String.format(Locale.ROOT, "Server: `java %s -jar %s --config %s` (ports %d/%d, no child processes, "
        + "drain budget 15 s). In-flight requests: `GET /work?ms=%d`, one per keep-alive connection (Vert.x "
        + "HttpClient), timed to end %d ms after SIGTERM; %d rounds, N in %s (N = 0: idle stop).",
        String.join(" ", jvm), Bench.EXAMPLE_JAR, config, port, mport, t + lead, t, rounds, ns));
    report.add("");

    Vertx vertx = Vertx.vertx();
    List<Run> runs = new ArrayList<>();
    try {
      for (int r = 1; r <= rounds; r++) {
        for (int n : ns) {
          if (n > 0 && !o.flag("no-control")) {
            // the same requests, no stop: how late does the last response come anyway?
            Run c = once(vertx, n, r, t, lead, port, mport, config, jvm, report, true);
            runs.add(c);
            report.progress(String.format(Locale.ROOT, "round %d N=%-5d control (no stop): last response %.1f ms "
                + "after it was due, failed %d", r, n, c.lateMs(), c.failed()));
          }
          Run run = once(vertx, n, r, t, lead, port, mport, config, jvm, report, false);
          runs.add(run);
          report.progress(String.format(Locale.ROOT, "round %d N=%-5d signal->exit %7.1f ms  signal->last response "
              + "%7.1f ms  last response->exit %6.1f ms  (signal->stop start %.1f, drain %.0f, report end->exit %.1f)"
              + "  failed %d  exit %d  foreign CPU %.0f%%", r, n, run.signalToExitMs(), run.signalToLastResponseMs(),
              run.lastResponseToExitMs(), run.signalToReportStartMs(), run.drainMs(), run.reportEndToExitMs(),
              run.failed(), run.exitCode(), run.foreignPct()));
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    summarize(runs, ns, t, report);
  }

  static Run once(Vertx vertx, int n, int round, int t, int lead, int port, int mport, String config,
      List<String> jvm, Report report, boolean control) throws Exception {
    Http.requireFree(port, mport);
    CpuMonitor.awaitQuiet();
    String tag = (control ? "control-" : "") + "n" + n + "-r" + round;
    Path reportFile = report.file("stop-report-" + tag + ".json").toAbsolutePath();
    List<String> flags = new ArrayList<>(jvm);
    flags.addAll(List.of("-Dquiesce.http.port=" + port, "-Dquiesce.management.port=" + mport,
        "-Dquiesce.lifecycle.reportFile=" + reportFile));
    Server server = Server.java("example-n" + n, flags, List.of("-jar", Bench.EXAMPLE_JAR, "--config", config),
        Path.of("."), report.file("server-" + tag + ".log"), Map.of());
    HttpClient client = null;
    try {
      Http.awaitOk(server, mport, "/health/ready", 30_000, 10);
      // /health/ready can answer 200 before the application's listener is bound (docs/BENCHMARKS.md)
      Http.awaitOk(server, port, "/hello", 30_000, 10);
      warmUp(vertx, port);
      CpuMonitor cpu = CpuMonitor.start();
      int m = t + lead;
      long[] sent = new long[n];
      long[] ended = new long[n];
      int[] status = new int[n];
      CountDownLatch done = new CountDownLatch(n);
      AtomicInteger failed = new AtomicInteger();
      if (n > 0) {
        client = vertx.httpClientBuilder()
            .with(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(10_000).setIdleTimeout(0))
            .with(new PoolOptions().setHttp1MaxSize(n + 8).setMaxWaitQueueSize(-1))
            .build();
        for (int i = 0; i < n; i++) {
          int k = i;
          client.request(HttpMethod.GET, port, "127.0.0.1", "/work?ms=" + m)
              .compose(req -> {
                sent[k] = System.nanoTime();
                return req.send();
              })
              .compose(resp -> resp.body().map(body -> {
                status[k] = resp.statusCode() == 200 && body.toString().startsWith("done ") ? 200 : resp.statusCode();
                return null;
              }))
              .onComplete(ar -> {
                ended[k] = System.nanoTime();
                if (ar.failed() || status[k] != 200) {
                  failed.incrementAndGet();
                }
                done.countDown();
              });
        }
        // every request must be in flight at the server before the signal
        long giveUp = System.nanoTime() + (lead - 100) * 1_000_000L;
        while (true) {
          Http.Response st = Http.get(mport, "/lifecycle/status", 1000);
          long inFlight = st.status() == 200 ? new JsonObject(st.body()).getLong("inFlightRequests", -1L) : -1;
          if (inFlight >= n) {
            break;
          }
          if (System.nanoTime() > giveUp) {
            throw new IllegalStateException("only " + inFlight + " of " + n + " requests in flight after "
                + (lead - 100) + " ms; raise --lead");
          }
          Thread.sleep(10);
        }
      } else {
        Thread.sleep(1000);
      }
      long lastSent = n == 0 ? System.nanoTime() : Arrays.stream(sent).max().orElseThrow();
      long signalAt = n == 0 ? System.nanoTime() : lastSent + (m - t) * 1_000_000L;
      long dueAt = lastSent + m * 1_000_000L;
      if (control) {
        if (!done.await(m + 10_000L, TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("control: responses missing " + (m + 10_000) + " ms after sending");
        }
        long lastEnd = Arrays.stream(ended).max().orElseThrow();
        return new Run(n, round, true, (lastEnd - dueAt) / 1e6, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
            Double.NaN, Double.NaN, failed.get(), 0, 0, 0, cpu.stop().foreignPct());
      }
      sleepUntil(signalAt);
      long wallAtSignal = System.currentTimeMillis();
      long sig = server.term();
      int exit = server.awaitExit(60_000);
      long exitAt = server.exitNanos();
      if (n > 0 && !done.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("responses missing 10 s after the exit");
      }
      long lastEnd = n == 0 ? sig : Arrays.stream(ended).max().orElseThrow();
      JsonObject stop = StopReport.read(reportFile);
      JsonObject drain = StopReport.detail(stop, "drain", "http");
      double toStart = stop == null ? Double.NaN : stop.getLong("start") - wallAtSignal;
      double endToExit = stop == null ? Double.NaN
          : (exitAt - sig) / 1e6 - (stop.getLong("end") - wallAtSignal);
      return new Run(n, round, false, n == 0 ? Double.NaN : (lastEnd - dueAt) / 1e6, (exitAt - sig) / 1e6, (lastEnd - sig) / 1e6, (exitAt - lastEnd) / 1e6, toStart,
          endToExit, StopReport.phaseMs(stop, "drain"), failed.get(), exit, drain.getLong("completed", 0L),
          drain.getLong("aborted", 0L), cpu.stop().foreignPct());
    } finally {
      server.stopQuietly(5000);
      if (client != null) {
        client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A server is not stopped before it ever served: 2,000 short requests over 16 connections first,
   * so the first measured request does not pay for class loading and the interpreter. The
   * connections are closed before the measurement.
   */
  static void warmUp(Vertx vertx, int port) throws Exception {
    HttpClient warm = vertx.httpClientBuilder().with(new HttpClientOptions().setKeepAlive(true))
        .with(new PoolOptions().setHttp1MaxSize(16).setMaxWaitQueueSize(-1)).build();
    try {
      // the chains are built on an event loop: built from this thread, resp.body() could be asked for after a
      // short response had already ended, and Vert.x then never completes it (one warm-up in about 100 hung so)
      // filled on the event loop, read here after the latch (which orders the two)
      List<io.vertx.core.Future<?>> all = new ArrayList<>();
      CountDownLatch issued = new CountDownLatch(1);
      AtomicReference<RuntimeException> notIssued = new AtomicReference<>();
      vertx.getOrCreateContext().runOnContext(v -> {
        try {
          for (int i = 0; i < 2000; i++) {
            String path = i % 2 == 0 ? "/hello" : "/work?ms=1";
            all.add(warm.request(HttpMethod.GET, port, "127.0.0.1", path).compose(req -> req.send())
                .compose(resp -> resp.body()));
          }
        } catch (RuntimeException e) {
          notIssued.set(e);
        } finally {
          issued.countDown();
        }
      });
      if (!issued.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the warm-up's requests were not issued within 10 s");
      }
      if (notIssued.get() != null) {
        throw new IllegalStateException("the warm-up's requests could not be issued", notIssued.get());
      }
      try {
        io.vertx.core.Future.join(all).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // say what was left, so the server's log can be compared
        long ok = all.stream().filter(io.vertx.core.Future::succeeded).count();
        long failed = all.stream().filter(io.vertx.core.Future::failed).count();
        throw new IllegalStateException("warm-up of " + all.size() + " requests not done after 60 s: " + ok
            + " answered, " + failed + " failed, " + (all.size() - ok - failed) + " pending", e);
      }
    } finally {
      warm.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
    Thread.sleep(200);
  }

  static void sleepUntil(long nanos) throws InterruptedException {
    long left;
    while ((left = nanos - System.nanoTime()) > 2_000_000) {
      Thread.sleep(Math.max(1, left / 1_000_000 - 1));
    }
    while (System.nanoTime() < nanos) {
      Thread.onSpinWait();
    }
  }

  private static void summarize(List<Run> runs, List<Integer> ns, int t, Report report) {
    report.add("All times in ms. Spread: [p25–p75] (min–max) over the rounds.");
    report.add("");
    report.add("| N in flight | signal → exit | signal → last response (the real T) | last response → exit | "
        + "target | verdict | failed requests | exit codes |");
    report.add("|---|---|---|---|---|---|---|---|");
    Map<Integer, List<Run>> by = new LinkedHashMap<>();
    for (int n : ns) {
      by.put(n, runs.stream().filter(x -> x.n() == n && !x.control()).toList());
    }
    for (var e : by.entrySet()) {
      int n = e.getKey();
      List<Run> rs = e.getValue();
      Stats exit = Stats.of(rs.stream().map(Run::signalToExitMs).toList());
      double target = n == 0 ? 300 : t + 150;
      report.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | ≤ %.0f | %s | %d | %s |",
          n == 0 ? "0 (idle stop)" : Integer.toString(n), exit.fmtFull(1),
          n == 0 ? "—" : Stats.of(rs.stream().map(Run::signalToLastResponseMs).toList()).fmt(1),
          n == 0 ? "—" : Stats.of(rs.stream().map(Run::lastResponseToExitMs).toList()).fmt(1),
          target, exit.median() <= target ? (exit.max() <= target ? "pass" : "pass (median; max over)") : "MISS",
          rs.stream().mapToInt(Run::failed).sum(),
          rs.stream().map(x -> Integer.toString(x.exitCode())).distinct().toList()));
    }
    report.add("");
    report.add("How late the last response came after it was due (its `/work` timer: the last request's send time "
        + "+ M), with the stop and without one (control: the same requests, no signal). Lateness without a stop is "
        + "what the machine needs to answer N requests at once; the stop's extra is the drain's own cost.");
    report.add("");
    report.add("| N | lateness with the stop | lateness without a stop (control) |");
    report.add("|---|---|---|");
    for (int n : ns) {
      if (n == 0) {
        continue;
      }
      report.add(String.format(Locale.ROOT, "| %d | %s | %s |", n,
          Stats.of(runs.stream().filter(x -> x.n() == n && !x.control()).map(Run::lateMs).toList()).fmt(1),
          Stats.of(runs.stream().filter(x -> x.n() == n && x.control()).map(Run::lateMs).toList()).fmt(1)));
    }
    report.add("");
    report.add("Where the time goes (medians, ms): signal → the stop report's `start` (signal delivery and the "
        + "coordinator), the `drain` phase, and the report's `end` → process exit (closing Vert.x and the JVM).");
    report.add("");
    report.add("| N | signal → stop start | drain phase | report end → exit | drain completed / aborted (all rounds) "
        + "| foreign CPU, max |");
    report.add("|---|---|---|---|---|---|");
    for (var e : by.entrySet()) {
      List<Run> rs = e.getValue();
      report.add(String.format(Locale.ROOT, "| %d | %s | %s | %s | %d / %d | %.0f %% |", e.getKey(),
          Stats.of(rs.stream().map(Run::signalToReportStartMs).toList()).fmt(1),
          Stats.of(rs.stream().map(Run::drainMs).toList()).fmt(0),
          Stats.of(rs.stream().map(Run::reportEndToExitMs).toList()).fmt(1),
          rs.stream().mapToLong(Run::completed).sum(), rs.stream().mapToLong(Run::aborted).sum(),
          rs.stream().mapToDouble(Run::foreignPct).max().orElse(0)));
    }
  }
}
