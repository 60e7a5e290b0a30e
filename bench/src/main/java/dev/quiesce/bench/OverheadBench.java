package dev.quiesce.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Benchmark 1, overhead: wrk against {@code GET /hello} on the framework's HTTP verticle and on a
 * bare Vert.x {@code HttpServer} with the same router and the same number of instances, with and
 * without Micrometer. Each variant runs in a JVM of its own with identical flags; all start
 * together and are warmed up, then every round measures each in turn, the order reversed every
 * other round (A/B alternation), and the server's CPU time per request is read around each run.
 * Target: framework throughput at least 0.97 of bare Vert.x, p99 within 5 %. Diagnostic variants
 * ({@code probe-…}) add one of the framework's per-request mechanisms to bare Vert.x ({@link Probes}).
 */
final class OverheadBench {

  static final Set<String> OPTIONS = Set.of("forks", "rounds", "warmup", "duration", "connections", "threads",
      "instances", "port", "jvm", "variants", "out", "max-foreign", "rate");
  static final Set<String> FLAGS = Set.of("jfr", "pin");

  /** The variants: what is compared with what. */
  static final List<String> ALL = List.of("bare", "quiesce", "bare+metrics", "quiesce+metrics");
  /** Diagnostic variants: bare Vert.x plus one mechanism of the framework's request tracking (see Probes). */
  static final List<String> PROBES = List.of("probe-route-empty", "probe-route", "probe-wrap", "probe-handlers",
      "probe-all", "probe-noroute");

  private OverheadBench() {
  }

  record Round(String variant, int round, Wrk.Result wrk, CpuMonitor.Load load, double cpuUsPerRequest) {
  }

  static void run(Options o, Report report) throws Exception {
    int forks = o.integer("forks", 1);
    int rounds = o.integer("rounds", 6);
    int warmup = o.integer("warmup", 10);
    int duration = o.integer("duration", 5);
    int connections = o.integer("connections", 64);
    int threads = o.integer("threads", 1);
    int instances = o.integer("instances", 2);
    int port = o.integer("port", 18080);
    boolean pin = o.flag("pin") && Runtime.getRuntime().availableProcessors() >= 2;
    List<String> jvm = o.list("jvm");
    List<String> variants = o.string("variants", null) == null ? ALL : List.of(o.string("variants", "").split(","));
    for (String v : variants) {
      if (!ALL.contains(v) && !PROBES.contains(v)) {
        throw new IllegalArgumentException("unknown variant " + v + "; known: " + ALL + " " + PROBES);
      }
    }
    // --pin: the servers on CPU 0, wrk on CPU 1. Off by default: a JVM confined to one CPU picks the
    // serial GC and fewer threads, which is not how the framework runs.
    List<String> serverPin = pin ? List.of("taskset", "-c", "0") : List.of();
    List<String> clientPin = pin ? List.of("taskset", "-c", "1") : List.of();
    report.add(String.format(Locale.ROOT, "Each variant runs in a JVM of its own (JVM flags: `%s`; %d server instance(s)), "
        + "all started together and each warmed up with %d s of wrk; then %d rounds, each running "
        + "`wrk -t%d -c%d -d%ds --latency http://127.0.0.1:<port>/hello` against every variant in turn, the order "
        + "reversed every other round; %d fork(s) (fresh JVMs) of all that; %s.", String.join(" ", jvm), instances,
        warmup, rounds, threads, connections, duration, forks,
        pin ? "servers pinned to CPU 0 and wrk to CPU 1 (taskset)" : "no CPU pinning"));
    report.add("");

    double maxForeign = o.integer("max-foreign", 15);
    int rate = o.integer("rate", 0);
    io.vertx.core.Vertx vertx = rate > 0 ? io.vertx.core.Vertx.vertx() : null;
    if (rate > 0) {
      report.add(String.format(Locale.ROOT, "Fixed-rate mode (`--rate %d`): instead of wrk, an open-loop load of %d req/s "
          + "over %d keep-alive connections (Vert.x HttpClient in the harness), %d s per measurement; latency from the "
          + "moment each request was due. The server's CPU per request is comparable across variants here: at a fixed "
          + "rate, every server handles the same requests with the same batching.", rate, rate, connections, duration));
      report.add("");
    }
    List<String> discarded = new ArrayList<>();
    List<Round> results = new ArrayList<>();
    for (int f = 1; f <= forks; f++) {
      Map<String, Server> servers = new LinkedHashMap<>();
      Map<String, Integer> ports = new LinkedHashMap<>();
      try {
        for (int i = 0; i < variants.size(); i++) {
          String variant = variants.get(i);
          int p = port + 2 * i;
          Http.requireFree(p, p + 1);
          List<String> flags = new ArrayList<>(jvm);
          if (o.flag("jfr")) {
            flags.add("-XX:StartFlightRecording=filename=" + report.file(file(variant) + "-f" + f + ".jfr")
                + ",settings=" + Path.of("bench/conf/profile-1ms.jfc").toAbsolutePath());
          }
          servers.put(variant, start(variant, f, flags, serverPin, instances, p, p + 1, report));
          ports.put(variant, p);
        }
        for (String variant : variants) {
          Http.awaitOk(servers.get(variant), ports.get(variant), "/hello", 30_000, 20);
        }
        for (String variant : variants) {
          Wrk.run(threads, connections, warmup, url(ports.get(variant)), List.of(),
              report.file(file(variant) + "-f" + f + "-warmup.log"), clientPin);
          if (rate > 0) {
            fixedRate(vertx, ports.get(variant), rate, connections, 2);
          }
        }
        for (int r = 1; r <= rounds; r++) {
          List<String> order = new ArrayList<>(variants);
          if (r % 2 == 0) {
            java.util.Collections.reverse(order);
          }
          for (String variant : order) {
            Server server = servers.get(variant);
            server.checkAlive();
            Wrk.Result w = null;
            CpuMonitor.Load load = null;
            double cpuPerRequest = Double.NaN;
            // a measurement during which other work took more than --max-foreign of a core is
            // repeated (at most twice more); each discarded one is reported
            for (int attempt = 1; attempt <= 3; attempt++) {
              CpuMonitor.awaitQuiet();
              CpuMonitor cpu = CpuMonitor.start();
              double serverCpu = CpuMonitor.processSeconds(server.pid());
              w = rate > 0 ? fixedRate(vertx, ports.get(variant), rate, connections, duration)
                  : Wrk.run(threads, connections, duration, url(ports.get(variant)), List.of(),
                      report.file(file(variant) + "-f" + f + "-r" + r + "-a" + attempt + "-wrk.log"), clientPin);
              load = cpu.stop();
              cpuPerRequest = (CpuMonitor.processSeconds(server.pid()) - serverCpu) * 1e6 / w.requests();
              if (load.foreignPct() <= maxForeign || attempt == 3) {
                break;
              }
              discarded.add(String.format(Locale.ROOT, "%s round %d: %.0f req/s, p99 %.3f ms, foreign CPU %.0f%%",
                  variant, r, w.rps(), w.p99(), load.foreignPct()));
              report.progress("  discarded (foreign CPU " + Math.round(load.foreignPct()) + "%), measuring again");
            }
            server.checkAlive();
            int round = (f - 1) * rounds + r;
            results.add(new Round(variant, round, w, load, cpuPerRequest));
            report.progress(String.format(Locale.ROOT, "fork %d round %d %-16s %9.0f req/s  p50 %.3f ms  p99 %.3f ms"
                + "  server CPU %.2f us/req  errors %d  foreign CPU %.0f%%  steal %.0f%%", f, r, variant, w.rps(), w.p50(),
                w.p99(), cpuPerRequest, w.errors(), load.foreignPct(), load.stealPct()));
          }
        }
      } finally {
        servers.values().forEach(s -> s.stopQuietly(10_000));
      }
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
    summarize(results, variants, forks * rounds, report);
    report.add("");
    report.add("Measurements discarded because other work on the machine took more than " + (int) maxForeign
        + " % of a core during them (each was measured again): " + (discarded.isEmpty() ? "none." : ""));
    discarded.forEach(d -> report.add("- " + d));
  }

  /** A fixed-rate run of {@code seconds} through {@link LoadGen}, summarised like a wrk run. */
  static Wrk.Result fixedRate(io.vertx.core.Vertx vertx, int port, int rate, int connections, int seconds)
      throws Exception {
    LoadGen load = new LoadGen(vertx, port, "/hello", rate, connections, true, seconds + 5);
    long from = System.nanoTime();
    load.start();
    Thread.sleep(seconds * 1000L);
    long to = System.nanoTime();
    load.stop(10_000);
    LoadGen.Window w = load.window(0, to);
    double secs = (to - from) / 1e9;
    return new Wrk.Result(w.requests() / secs, w.p50(), Double.NaN, Double.NaN, w.p99(), w.requests(), w.failed(), 0,
        "fixed rate " + rate + ": " + w);
  }

  private static String url(int port) {
    return "http://127.0.0.1:" + port + "/hello";
  }

  private static String file(String variant) {
    return variant.replace('+', '-');
  }

  static Server start(String variant, int fork, List<String> jvm, List<String> pin, int instances, int port,
      int mport, Report report) throws Exception {
    List<String> cmd = new ArrayList<>(pin);
    cmd.addAll(Server.DEFAULT_SIGNALS);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvm);
    boolean metrics = variant.endsWith("+metrics");
    if (variant.startsWith("bare") || variant.startsWith("probe-")) {
      cmd.addAll(List.of("-cp", Bench.BENCH_JAR, "dev.quiesce.bench.BareServer", "--port", "" + port,
          "--instances", "" + instances));
      if (metrics) {
        cmd.add("--metrics");
      }
      if (variant.startsWith("probe-")) {
        String probe = variant.substring("probe-".length());
        cmd.addAll(List.of("--probe", switch (probe) {
          case "all" -> "route,wrap,handlers";
          case "noroute" -> "wrap,handlers";
          default -> probe;
        }));
      }
    } else {
      cmd.addAll(List.of("-Dquiesce.http.port=" + port, "-Dquiesce.http.instances=" + instances,
          "-Dquiesce.management.port=" + mport, "-Dquiesce.management.metricsEnabled=" + metrics,
          "-cp", Bench.BENCH_JAR, "dev.quiesce.bench.QuiesceServer", "--config", "bench/conf/overhead.json"));
    }
    return Server.start(variant, cmd, Path.of("."), report.file(file(variant) + "-f" + fork + ".log"),
        Map.of());
  }

  private static void summarize(List<Round> results, List<String> variants, int rounds, Report report) {
    Map<String, List<Round>> by = new LinkedHashMap<>();
    for (String v : variants) {
      by.put(v, results.stream().filter(x -> x.variant().equals(v)).toList());
    }
    report.add("| variant | req/s median (min–max) | p50 ms | p99 ms median (min–max) | server CPU µs/request | errors "
        + "| foreign CPU, max of rounds |");
    report.add("|---|---|---|---|---|---|---|");
    for (var e : by.entrySet()) {
      List<Round> rs = e.getValue();
      report.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %d | %.0f %% |", e.getKey(),
          Stats.of(rs.stream().map(x -> x.wrk().rps()).toList()).fmt(0),
          Stats.of(rs.stream().map(x -> x.wrk().p50()).toList()).fmt(3),
          Stats.of(rs.stream().map(x -> x.wrk().p99()).toList()).fmt(3),
          Stats.of(rs.stream().map(Round::cpuUsPerRequest).toList()).fmt(2),
          rs.stream().mapToLong(x -> x.wrk().errors()).sum(),
          rs.stream().mapToDouble(x -> x.load().foreignPct()).max().orElse(0)));
    }
    report.add("");
    report.add("Foreign CPU: CPU time of processes other than this run's, in % of one core, during the measurement "
        + "(other work on the machine; 100 % = one of the two cores).");
    report.add("");
    report.add("Paired ratios (framework / bare, same round):");
    report.add("");
    report.add("| comparison | throughput ratio median (min–max) | target | p99 ratio median (min–max) | target | verdict "
        + "| server CPU per request, ratio median (min–max) |");
    report.add("|---|---|---|---|---|---|---|");
    pair(by, "quiesce", "bare", rounds, report);
    pair(by, "quiesce+metrics", "bare+metrics", rounds, report);
    pair(by, "quiesce+metrics", "bare", rounds, report);
    pair(by, "bare+metrics", "bare", rounds, report);
    for (String probe : PROBES) {
      pair(by, probe, "bare", rounds, report);
    }
  }

  private static void pair(Map<String, List<Round>> by, String a, String b, int rounds, Report report) {
    if (!by.containsKey(a) || !by.containsKey(b)) {
      return;
    }
    List<Double> tput = new ArrayList<>();
    List<Double> p99 = new ArrayList<>();
    List<Double> cpu = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      int round = r;
      Round x = by.get(a).stream().filter(v -> v.round() == round).findFirst().orElse(null);
      Round y = by.get(b).stream().filter(v -> v.round() == round).findFirst().orElse(null);
      if (x != null && y != null) {
        tput.add(x.wrk().rps() / y.wrk().rps());
        p99.add(x.wrk().p99() / y.wrk().p99());
        cpu.add(x.cpuUsPerRequest() / y.cpuUsPerRequest());
      }
    }
    Stats t = Stats.of(tput);
    Stats p = Stats.of(p99);
    boolean pass = t.median() >= 0.97 && p.median() <= 1.05;
    report.add(String.format(Locale.ROOT, "| %s vs %s | %s | ≥ 0.97 | %s | ≤ 1.05 | %s | %s |", a, b, t.fmt(3),
        p.fmt(3), pass ? "pass" : "MISS", Stats.of(cpu).fmt(3)));
  }
}
