package dev.quiesce.bench;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The benchmark harness: {@code bench/run.sh <benchmark> [options]} (see bench/README.md). Runs
 * from the repository root; every process it starts carries {@code BENCH_TAG} in its environment
 * and is stopped by pid.
 */
public final class Bench {

  /** The tag of this run's processes: BENCH_TAG of the environment (run.sh sets one), else a new one. */
  static final String TAG = System.getenv("BENCH_TAG") != null ? System.getenv("BENCH_TAG")
      : UUID.randomUUID().toString();
  static final String BENCH_JAR = "bench/target/quiesce-bench.jar";
  static final String EXAMPLE_JAR = "example-app/target/example-app.jar";

  private static final String USAGE = """
      usage: bench/run.sh <benchmark> [options]
        overhead   req/s and p50/p99 of GET /hello: framework HTTP verticle vs bare Vert.x (A/B rounds)
        drain      signal -> exit with N requests in flight that end T after the signal; idle stop
        fanout     200 children that need 1 s to clean up: signal -> all exited, spread of receipt
        reload     failed requests and p99 during 5 reloads in a row, keep-alive and connection-per-request
        keepalive-stop  interrupted keep-alive requests over 10 stops under load (8 client loops, /work?ms=20), Quiesce and plain Vert.x with shutdown(30s) in the same run
        eventbus-stop  1,000 request/reply messages in flight or queued at a stop: replies, fast failures, senders that waited for their timeout; Quiesce and plain vertx.close() in the same run
        cluster-leave  a node of three leaving under 400 request/reply messages/s: failed requests, TERM -> exit, TERM -> withdrawal confirmed; Quiesce and plain clustered vertx.close() in the same run
        start      java -jar -> first 200 on /health/ready (the example app)
        cluster-form  3 example-app JVMs launched at once (conf/cluster-node-*.json): launch -> every start line, -> every node sees 3 members
        memory     resident memory idle and under load, live heap after GC, with and without the framework
        upgrade    5 upgrades in place under load (8 client threads, connection per request and keep-alive): failed and refused requests, p99, command -> successor ready / predecessor exited; a broken successor's rollback; gunicorn's USR2+WINCH+QUIT in the same run
        rolling-reload  three clustered example-app nodes: a rolling reload (POST /fleet/reload) against the sum of three single-node reloads
        jfr-top    top frames of a JFR recording: bench/run.sh jfr-top FILE.jfr [--frames N] [--filter PREFIX]
        cleanup    kill leftover processes of a bench run: bench/run.sh cleanup [--tag TAG] (default: every BENCH_TAG)
      common options: --rounds N  --out DIR (default bench/target/results)  --jvm "FLAGS"
      see bench/README.md for each benchmark's options""";

  /** Runs one benchmark with its options, writing to its report. */
  interface Runner {
    void run(Options o, Report report) throws Exception;
  }

  /** One benchmark: the options and flags it takes, and how it runs. */
  record Benchmark(Set<String> options, Set<String> flags, Runner runner) {
  }

  private static final Map<String, Benchmark> BENCHMARKS = Map.ofEntries(
      Map.entry("overhead", new Benchmark(OverheadBench.OPTIONS, OverheadBench.FLAGS, OverheadBench::run)),
      Map.entry("drain", new Benchmark(DrainBench.OPTIONS, DrainBench.FLAGS, DrainBench::run)),
      Map.entry("fanout", new Benchmark(FanoutBench.OPTIONS, FanoutBench.FLAGS, FanoutBench::run)),
      Map.entry("reload", new Benchmark(ReloadBench.OPTIONS, ReloadBench.FLAGS, ReloadBench::run)),
      Map.entry("keepalive-stop",
          new Benchmark(KeepAliveStopBench.OPTIONS, KeepAliveStopBench.FLAGS, KeepAliveStopBench::run)),
      Map.entry("eventbus-stop",
          new Benchmark(EventBusStopBench.OPTIONS, EventBusStopBench.FLAGS, EventBusStopBench::run)),
      Map.entry("cluster-leave",
          new Benchmark(ClusterLeaveBench.OPTIONS, ClusterLeaveBench.FLAGS, ClusterLeaveBench::run)),
      Map.entry("start", new Benchmark(StartBench.OPTIONS, StartBench.FLAGS, StartBench::run)),
      Map.entry("cluster-form",
          new Benchmark(ClusterFormBench.OPTIONS, ClusterFormBench.FLAGS, ClusterFormBench::run)),
      Map.entry("memory", new Benchmark(MemoryBench.OPTIONS, MemoryBench.FLAGS, MemoryBench::run)),
      Map.entry("upgrade", new Benchmark(UpgradeBench.OPTIONS, UpgradeBench.FLAGS, UpgradeBench::run)),
      Map.entry("rolling-reload",
          new Benchmark(RollingReloadBench.OPTIONS, RollingReloadBench.FLAGS, RollingReloadBench::run)));

  private Bench() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.println(USAGE);
      return;
    }
    String name = args[0];
    String command = "bench/run.sh " + String.join(" ", args);
    args = quietOptions(args);
    try {
      Benchmark benchmark = BENCHMARKS.get(name);
      if (benchmark != null) {
        Options o = new Options(args, 1, benchmark.options(), benchmark.flags());
        Report report = new Report(out(o), name, command);
        benchmark.runner().run(o, report);
        report.finish();
      } else {
        switch (name) {
          case "jfr-top" -> JfrTop.main(java.util.Arrays.copyOfRange(args, 1, args.length));
          case "cleanup" -> Cleanup.run(new Options(args, 1, Set.of("tag"), Set.of()));
          default -> {
            System.err.println("unknown benchmark " + name);
            System.err.println(USAGE);
            System.exit(2);
          }
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
    System.exit(0);
  }

  /** Takes the common --quiet PCT and --quiet-wait SECONDS out of the arguments. */
  private static String[] quietOptions(String[] args) {
    java.util.List<String> rest = new java.util.ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--quiet") && i + 1 < args.length) {
        CpuMonitor.quietPct = Double.parseDouble(args[++i]);
      } else if (args[i].equals("--quiet-wait") && i + 1 < args.length) {
        CpuMonitor.quietWaitMs = Long.parseLong(args[++i]) * 1000;
      } else {
        rest.add(args[i]);
      }
    }
    return rest.toArray(new String[0]);
  }

  private static Path out(Options o) {
    return Path.of(o.string("out", "bench/target/results"));
  }
}
