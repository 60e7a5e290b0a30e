package dev.quiesce.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark 6, memory: resident memory (VmRSS) of each server idle and under load (the peak of
 * VmRSS sampled every 100 ms during a wrk run), and the live heap after a full GC ({@code jcmd PID
 * GC.class_histogram}, whose total counts only live objects), idle and after the load. Variants,
 * from no framework to all of it: bare Vert.x with the same router (with and without Micrometer),
 * the framework with only the HTTP participant (management off), with management and metrics off,
 * with management and metrics on (the default), and the example application (plus the process
 * manager and two workers).
 */
final class MemoryBench {

  static final Set<String> OPTIONS = Set.of("rounds", "load", "connections", "port", "jvm", "out", "variants");
  static final Set<String> FLAGS = Set.of();
  static final List<String> ALL = List.of("bare", "bare+metrics", "quiesce-http", "quiesce", "quiesce+metrics",
      "example-app");

  private MemoryBench() {
  }

  record Run(String variant, int round, double rssIdle, double liveIdle, double rssLoadPeak, double hwm,
      double liveAfter, double rps) {
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 5);
    int load = o.integer("load", 5);
    int connections = o.integer("connections", 64);
    int port = o.integer("port", 18080);
    List<String> jvm = o.list("jvm");
    List<String> variants = o.string("variants", null) == null ? ALL : List.of(o.string("variants", "").split(","));
    for (String v : variants) {
      if (!ALL.contains(v)) {
        throw new IllegalArgumentException("unknown variant " + v + "; known: " + ALL);
      }
    }
    report.add(String.format(Locale.ROOT, "Each variant in a fresh JVM (flags: `%s`, so the JDK's default heap "
        + "sizing: G1, max heap 1/4 of RAM), 2 HTTP instances, `GET /hello`. Idle: 2 s after the first 200. Load: "
        + "`wrk -t1 -c%d -d%ds`. Live heap: total of `jcmd PID GC.class_histogram` (a full GC, live objects only). "
        + "%d rounds, the order of the variants reversed every other round.", String.join(" ", jvm), connections, load,
        rounds));
    report.add("");
    List<Run> runs = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      List<String> order = new ArrayList<>(variants);
      if (r % 2 == 0) {
        java.util.Collections.reverse(order);
      }
      for (String variant : order) {
        Run run = once(variant, r, load, connections, port, jvm, report);
        runs.add(run);
        report.progress(String.format(Locale.ROOT, "round %d %-16s RSS idle %.1f MiB, live heap idle %.1f MiB, RSS "
            + "under load (peak) %.1f MiB, VmHWM %.1f MiB, live heap after load %.1f MiB (%.0f req/s)", r, variant,
            run.rssIdle(), run.liveIdle(), run.rssLoadPeak(), run.hwm(), run.liveAfter(), run.rps()));
      }
    }
    summarize(runs, variants, report);
  }

  static Run once(String variant, int round, int load, int connections, int port, List<String> jvm, Report report)
      throws Exception {
    int mport = port + 1;
    Http.requireFree(port, mport);
    CpuMonitor.awaitQuiet();
    String f = variant.replace('+', '-');
    Path log = report.file(f + "-r" + round + ".log");
    List<String> cmd = new ArrayList<>(jvm);
    List<String> rest = new ArrayList<>();
    switch (variant) {
      case "bare", "bare+metrics" -> {
        rest.addAll(List.of("-cp", Bench.BENCH_JAR, "dev.quiesce.bench.BareServer", "--port", "" + port,
            "--instances", "2"));
        if (variant.equals("bare+metrics")) {
          rest.add("--metrics");
        }
      }
      case "quiesce-http", "quiesce", "quiesce+metrics" -> {
        cmd.addAll(List.of("-Dquiesce.http.port=" + port, "-Dquiesce.http.instances=2",
            "-Dquiesce.management.port=" + mport,
            "-Dquiesce.management.enabled=" + !variant.equals("quiesce-http"),
            "-Dquiesce.management.metricsEnabled=" + variant.equals("quiesce+metrics")));
        rest.addAll(List.of("-cp", Bench.BENCH_JAR, "dev.quiesce.bench.QuiesceServer", "--config",
            "bench/conf/overhead.json"));
      }
      default -> {
        cmd.addAll(List.of("-Dquiesce.http.port=" + port, "-Dquiesce.management.port=" + mport,
            "-Dquiesce.lifecycle.reportFile=" + report.file("stop-report-r" + round + ".json").toAbsolutePath()));
        rest.addAll(List.of("-jar", Bench.EXAMPLE_JAR, "--config", "example-app/conf/config.json"));
      }
    }
    Server server = Server.java(variant, cmd, rest, Path.of("."), log, Map.of());
    try {
      Http.awaitOk(server, port, "/hello", 60_000, 20);
      Thread.sleep(2000);
      double rssIdle = status(server.pid(), "VmRSS");
      double liveIdle = liveHeap(server.pid(), report.file(f + "-r" + round + "-histo-idle.txt"));
      AtomicLong peak = new AtomicLong();
      Thread sampler = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          peak.accumulateAndGet((long) (status(server.pid(), "VmRSS") * 1024), Math::max);
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "bench-rss");
      sampler.setDaemon(true);
      sampler.start();
      Wrk.Result w = Wrk.run(1, connections, load, "http://127.0.0.1:" + port + "/hello", List.of(),
          report.file(f + "-r" + round + "-wrk.log"), List.of());
      sampler.interrupt();
      sampler.join();
      double hwm = status(server.pid(), "VmHWM");
      double liveAfter = liveHeap(server.pid(), report.file(f + "-r" + round + "-histo-after.txt"));
      server.checkAlive();
      return new Run(variant, round, rssIdle, liveIdle, peak.get() / 1024.0, hwm, liveAfter, w.rps());
    } finally {
      server.stopQuietly(10_000);
    }
  }

  /** A field of /proc/PID/status in MiB (NaN when unreadable). */
  static double status(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return Double.NaN;
  }

  /** Live heap in MiB: the total of a class histogram (jcmd runs a full GC first and counts live objects). */
  static double liveHeap(long pid, Path out) throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    Server s = Server.start("jcmd", List.of(jcmd, Long.toString(pid), "GC.class_histogram"), Path.of("."), out,
        Map.of());
    s.awaitExit(60_000);
    for (String line : Files.readAllLines(out)) {
      String t = line.trim();
      if (t.startsWith("Total")) {
        String[] f = t.split("\\s+");
        return Long.parseLong(f[2]) / 1024.0 / 1024.0;
      }
    }
    return Double.NaN;
  }

  private static void summarize(List<Run> runs, List<String> variants, Report report) {
    Map<String, List<Run>> by = new LinkedHashMap<>();
    for (String v : variants) {
      by.put(v, runs.stream().filter(x -> x.variant().equals(v)).toList());
    }
    report.add("MiB; median (min–max) over the rounds.");
    report.add("");
    report.add("| variant | RSS idle | RSS under load (peak) | VmHWM | live heap after GC, idle | live heap after GC, "
        + "after load | load req/s |");
    report.add("|---|---|---|---|---|---|---|");
    for (var e : by.entrySet()) {
      List<Run> rs = e.getValue();
      report.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |", e.getKey(),
          Stats.of(rs.stream().map(Run::rssIdle).toList()).fmt(1),
          Stats.of(rs.stream().map(Run::rssLoadPeak).toList()).fmt(1),
          Stats.of(rs.stream().map(Run::hwm).toList()).fmt(1),
          Stats.of(rs.stream().map(Run::liveIdle).toList()).fmt(2),
          Stats.of(rs.stream().map(Run::liveAfter).toList()).fmt(2),
          Stats.of(rs.stream().map(Run::rps).toList()).fmt(0)));
    }
    if (by.containsKey("bare")) {
      report.add("");
      report.add("The framework's own share: median of the variant minus median of `bare` (live heap after GC, idle "
          + "/ RSS idle):");
      report.add("");
      double liveBare = Stats.of(by.get("bare").stream().map(Run::liveIdle).toList()).median();
      double rssBare = Stats.of(by.get("bare").stream().map(Run::rssIdle).toList()).median();
      for (var e : by.entrySet()) {
        if (e.getKey().equals("bare")) {
          continue;
        }
        double live = Stats.of(e.getValue().stream().map(Run::liveIdle).toList()).median();
        double rss = Stats.of(e.getValue().stream().map(Run::rssIdle).toList()).median();
        report.add(String.format(Locale.ROOT, "- %s: live heap %+.2f MiB, RSS %+.1f MiB", e.getKey(), live - liveBare,
            rss - rssBare));
      }
    }
  }
}
