package dev.quiesce.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Benchmark 7, upgrade in place under load (issue 12): the example application's fat jar with
 * upgrade on (epoll, {@code SO_REUSEPORT}; the successor is the same command line) under an
 * open-loop load from {@code --clients} client threads ({@link LoadGen#onThreads}), once with a
 * connection per request and once with keep-alive; a steady window, then {@code --upgrades}
 * upgrades in a row by {@code POST /lifecycle/upgrade}, each once the previous predecessor has
 * exited. Failed and refused requests (target 0 and 0), p99 during the upgrades against steady
 * (target at most 2×), command → successor ready ({@code upgrade} event {@code done}) and command →
 * predecessor exited.
 *
 * <p>The same with a broken successor ({@code --broken}: {@code upgrade.command} starts the same jar
 * with a configuration that has an unknown key, which exits 78): 0 failed, the old process still
 * serving, command → rollback ({@code upgrade} event {@code failed}).
 *
 * <p>Its peer in the same run, under the same load and counted the same way: gunicorn (Debian's
 * package, gthread workers, a trivial WSGI app), upgraded as its documentation says: USR2 (a new
 * master and workers beside the old ones), once every new worker has loaded the app WINCH to the
 * old master (its workers stop gracefully; gunicorn honours WINCH only when daemonized), once they
 * have exited QUIT to the old master.
 */
final class UpgradeBench {

  static final Set<String> OPTIONS = Set.of("rounds", "upgrades", "broken", "rate", "clients", "connections",
      "steady", "warmup", "path", "port", "mport", "gport", "jvm", "out", "modes", "servers", "workers", "threads");
  static final Set<String> FLAGS = Set.of();
  private static final String CONFIG = "bench/conf/upgrade.json";
  private static final String TOKEN = "bench-token-not-a-secret";
  /** Bounds every wait for an upgrade's step: a successor's start on a loaded 2-core machine takes seconds. */
  private static final long STEP_TIMEOUT_MS = 120_000;

  private UpgradeBench() {
  }

  /** What is upgraded in a series; {@code --servers} names them in lower case. */
  enum Series {
    QUIESCE("Quiesce example app"),
    BROKEN("Quiesce, broken successor (exit 78)"),
    GUNICORN("gunicorn (gthread), USR2 + WINCH + QUIT");

    final String label;

    Series(String label) {
      this.label = label;
    }

    String option() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The load and the windows, the same for every series. */
  record Settings(int upgrades, int broken, int rate, int clients, int connections, int steady, int warmup,
      String path, int port, int mport, int gport, List<String> jvm, int workers, int threads) {
  }

  /**
   * One upgrade: when the command was sent (System.nanoTime()), command → successor ready (or rolled
   * back), command → predecessor exited (NaN if none), outcome.
   */
  record Step(long sentNanos, double readyMs, double exitedMs, String outcome) {
  }

  /** One series on a fresh server. {@code servedOn}: after it, the process that served before still serves (broken). */
  record Run(Series series, String mode, int round, LoadGen.Window steady, LoadGen.Window upgrades,
      LoadGen.Window all, List<Step> steps, boolean servedOn, CpuMonitor.Load load, List<String> leftovers) {
  }

  /** The server under test, seen from the harness: one upgrade at a time, then a stop. */
  interface Target {
    /** Runs one upgrade (or attempt) to its end; fails when a step does not come within its bound. */
    Step upgrade() throws Exception;

    /** Whether the process that served at the start still serves (a rollback leaves it in place). */
    boolean originalServes();

    /** Stops whatever serves now, by pid, bounded. */
    void stop() throws Exception;
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 1);
    Settings s = new Settings(o.integer("upgrades", 5), o.integer("broken", 5), o.integer("rate", 500),
        o.integer("clients", 8), o.integer("connections", 32), o.integer("steady", 5), o.integer("warmup", 5),
        o.string("path", "/hello"), o.integer("port", 18080), o.integer("mport", 18081), o.integer("gport", 18090),
        o.list("jvm"), o.integer("workers", 2), o.integer("threads", 4));
    List<String> modes = List.of(o.string("modes", "close,keep-alive").split(","));
    List<Series> series = new ArrayList<>();
    for (String name : o.string("servers", "quiesce,broken,gunicorn").split(",")) {
      try {
        series.add(Series.valueOf(name.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--servers: unknown '" + name + "'; known: quiesce, broken, gunicorn");
      }
    }
    Optional<String> gunicorn = Gunicorn.find();
    if (series.contains(Series.GUNICORN) && gunicorn.isEmpty()) {
      series.remove(Series.GUNICORN);
      report.add("gunicorn is not on the PATH (`apt-get install -y gunicorn`): the peer is not measured in this run.");
      report.add("");
    }
    describe(s, rounds, modes, series, gunicorn, report);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(s.clients(), 2)));
    List<Run> runs = new ArrayList<>();
    try {
      for (int r = 1; r <= rounds; r++) {
        List<String> order = new ArrayList<>(modes);
        if (r % 2 == 0) {
          Collections.reverse(order);
        }
        for (String mode : order) {
          for (Series x : series) {
            Run run = once(vertx, x, mode, r, s, gunicorn.orElse(null), report);
            runs.add(run);
            report.progress(String.format(Locale.ROOT, "round %d %-10s %-8s steady p99 %.2f ms | upgrades p50 %.2f "
                + "p99 %.2f max %.1f ms | failed %d (refused %d) of %d %s | ready %s ms | predecessor exited %s ms | "
                + "%s%s | foreign CPU %.0f%%%s", r, mode, x.option(), run.steady().p99(), run.upgrades().p50(),
                run.upgrades().p99(), run.upgrades().max(), run.all().failed(), run.all().refused(),
                run.all().requests(), run.all().reasons(), ms(run.steps().stream().map(Step::readyMs).toList()),
                ms(run.steps().stream().map(Step::exitedMs).toList()),
                run.steps().stream().map(Step::outcome).toList(), x == Series.BROKEN ? (run.servedOn()
                    ? ", old process serving" : ", OLD PROCESS NOT SERVING") : "", run.load().foreignPct(),
                run.leftovers().isEmpty() ? "" : " | LEFTOVERS ended: " + run.leftovers()));
          }
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    summarize(runs, modes, series, report);
  }

  private static String ms(List<Double> values) {
    return values.stream().map(d -> String.format(Locale.ROOT, "%.0f", d)).toList().toString();
  }

  private static void describe(Settings s, int rounds, List<String> modes, List<Series> series,
      Optional<String> gunicorn, Report report) {
    report.add(String.format(Locale.ROOT, "Quiesce: `java %s-jar %s --config %s` (2 HTTP instances, no child "
        + "processes, `upgrade` with the default successor: the same command line), %d upgrades in a row by `POST "
        + "/lifecycle/upgrade`, each once the previous predecessor had exited. Broken successor: the same server with "
        + "`upgrade.command` = the same jar with a configuration that has an unknown key (exit 78), %d attempts in a "
        + "row, each once the previous one's `upgrade` event `failed` arrived. Load: open loop from %d client threads "
        + "(one Vert.x HttpClient on an event loop each), %d req/s of `GET %s` in all over at most %d connections, "
        + "latency from the moment each request was due; %d s warm-up, %d s steady, then the upgrades, then 0.5 s more. "
        + "Modes %s, %d round(s), a fresh server per series; series %s.", s.jvm().stream().map(f -> f + " ").reduce("", String::concat), Bench.EXAMPLE_JAR,
        CONFIG, s.upgrades(), s.broken(), s.clients(), s.clients() * Math.max(1, s.rate() / s.clients()), s.path(),
        s.connections(), s.warmup(), s.steady(), modes, rounds, series.stream().map(Series::option).toList()));
    gunicorn.ifPresent(g -> report.add(String.format(Locale.ROOT, "%nPeer: `%s` (%s) with %d gthread workers of %d "
        + "threads, keep-alive 30 s, a WSGI app answering `hello` to every path, daemonized (gunicorn honours WINCH "
        + "only then); upgraded by USR2, then (once every new worker has loaded the app: a `post_worker_init` hook) "
        + "WINCH to the old master, then (once its workers have exited) QUIT to it. Same load on port %d.", g,
        Gunicorn.version(g), s.workers(), s.threads(), s.gport())));
    report.add("");
  }

  static Run once(Vertx vertx, Series series, String mode, int round, Settings s, String gunicorn, Report report)
      throws Exception {
    String name = series.option() + "-" + mode + "-r" + round;
    Target target = switch (series) {
      case QUIESCE -> Quiesce.start(name, s, CONFIG, report);
      case BROKEN -> Quiesce.start(name, s, brokenConfig(report).toString(), report);
      case GUNICORN -> Gunicorn.start(gunicorn, name, s, report);
    };
    int port = series == Series.GUNICORN ? s.gport() : s.port();
    int upgrades = series == Series.BROKEN ? s.broken() : s.upgrades();
    List<LoadGen> load = LoadGen.onThreads(vertx, s.clients(), port, s.path(), s.rate(), s.connections(),
        mode.equals("keep-alive"), s.warmup() + s.steady() + upgrades * 60 + 30);
    boolean stopped = false;
    try {
      CpuMonitor.awaitQuiet();
      load.forEach(LoadGen::start);
      Thread.sleep(s.warmup() * 1000L);
      CpuMonitor cpu = CpuMonitor.start();
      long steadyFrom = System.nanoTime();
      Thread.sleep(s.steady() * 1000L);
      long steadyTo = System.nanoTime();
      List<Step> steps = new ArrayList<>();
      long upgradesFrom = System.nanoTime();
      for (int i = 0; i < upgrades; i++) {
        steps.add(target.upgrade());
      }
      long upgradesTo = System.nanoTime();
      Thread.sleep(500);
      long end = System.nanoTime();
      for (LoadGen g : load) {
        g.stop(15_000);
      }
      stopped = true;
      CpuMonitor.Load cpuLoad = cpu.stop();
      writeTimeline(report, name, load, steps, upgradesFrom - 1_000_000_000L, end);
      boolean servedOn = target.originalServes();
      target.stop();
      List<String> leftovers = Cleanup.endLeftovers(5_000);
      return new Run(series, mode, round, LoadGen.window(load, steadyFrom, steadyTo),
          LoadGen.window(load, upgradesFrom, upgradesTo), LoadGen.window(load, 0, end), steps, servedOn, cpuLoad,
          leftovers);
    } finally {
      if (!stopped) {
        for (LoadGen g : load) {
          g.stop(2_000);
        }
        target.stop();
        Cleanup.endLeftovers(5_000);
      }
    }
  }

  /**
   * Writes {@code timeline-<name>.csv} (every request from 1 s before the first command to the end,
   * due time in ms after the first command) and {@code timeline-<name>-marks.csv} (each upgrade's
   * command, ready and predecessor exit on the same clock): where a stall sits against the steps.
   */
  private static void writeTimeline(Report report, String name, List<LoadGen> load, List<Step> steps, long from,
      long to) throws IOException {
    long origin = steps.isEmpty() ? from : steps.get(0).sentNanos();
    LoadGen.writeCsv(load, report.file("timeline-" + name + ".csv"), from, to, origin);
    List<String> marks = new ArrayList<>();
    marks.add("upgrade,command_ms,ready_ms,predecessor_exited_ms,outcome");
    for (int i = 0; i < steps.size(); i++) {
      Step st = steps.get(i);
      double at = (st.sentNanos() - origin) / 1e6;
      marks.add(String.format(Locale.ROOT, "%d,%.1f,%.1f,%.1f,%s", i + 1, at, at + st.readyMs(), at + st.exitedMs(),
          st.outcome().replace(',', ';')));
    }
    Files.write(report.file("timeline-" + name + "-marks.csv"), marks);
  }

  /**
   * The broken successor's server configuration, written to the run's directory: {@link #CONFIG}
   * with {@code upgrade.command} = this JVM's java, the same jar, and a configuration with an unknown
   * key in {@code http}, which the successor refuses at start (exit 78).
   */
  private static Path brokenConfig(Report report) throws IOException {
    Path bad = report.file("broken-successor-config.json").toAbsolutePath();
    Path server = report.file("broken-server-config.json").toAbsolutePath();
    if (!Files.exists(server)) {
      JsonObject base = new JsonObject(Files.readString(Path.of(CONFIG)));
      JsonObject wrong = base.copy();
      wrong.getJsonObject("http").put("prot", 18080);
      Files.writeString(bad, wrong.encodePrettily());
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      base.getJsonObject("upgrade").put("command", new JsonArray(List.of(java, "-jar",
          Path.of(Bench.EXAMPLE_JAR).toAbsolutePath().toString(), "--config", bad.toString())));
      Files.writeString(server, base.encodePrettily());
    }
    return server;
  }

  /** The example application, upgraded through its management listener; its successors found by the events. */
  static final class Quiesce implements Target {
    private final Server first;
    private final int port;
    private final int mport;
    private long pid;

    private Quiesce(Server first, int port, int mport) {
      this.first = first;
      this.port = port;
      this.mport = mport;
      this.pid = first.pid();
    }

    static Quiesce start(String name, Settings s, String config, Report report) throws Exception {
      Http.requireFree(s.port(), s.mport());
      List<String> flags = new ArrayList<>(s.jvm());
      flags.addAll(List.of("-Dquiesce.http.port=" + s.port(), "-Dquiesce.management.port=" + s.mport()));
      Server server = Server.java("example-" + name, flags, List.of("-jar", Bench.EXAMPLE_JAR, "--config", config),
          Path.of("."), report.file("server-" + name + ".log"), Map.of());
      Http.awaitOk(server, s.mport(), "/health/ready", 30_000, 10);
      // /health/ready can answer 200 before the application's listener is bound (docs/BENCHMARKS.md)
      Http.awaitOk(server, s.port(), "/hello", 30_000, 10);
      return new Quiesce(server, s.port(), s.mport());
    }

    @Override
    public Step upgrade() throws Exception {
      // only one process listens now (the previous predecessor has exited): the events are this one's
      try (EventWatcher events = new EventWatcher(mport)) {
        long sent = System.nanoTime();
        Http.Response r = Http.request("POST", mport, "/lifecycle/upgrade", TOKEN, 5000);
        if (r.status() / 100 != 2 || !r.body().contains("\"accepted\":true")) {
          throw new IllegalStateException("POST /lifecycle/upgrade to pid " + pid + " answered " + r.status() + " "
              + r.body() + "; log: " + first.log);
        }
        EventWatcher.Event e;
        do {
          e = events.next("upgrade", STEP_TIMEOUT_MS);
          if (e == null) {
            throw new IllegalStateException("no upgrade event done or failed within " + STEP_TIMEOUT_MS
                + " ms of the command to pid " + pid + "; log: " + first.log);
          }
        } while ("started".equals(e.data().getString("outcome")));
        double ready = (e.at() - sent) / 1e6;
        String outcome = e.data().getString("outcome", "?");
        if (!"done".equals(outcome)) {
          return new Step(sent, ready, Double.NaN, outcome + ": " + e.data().getString("error", "?"));
        }
        long gone = Server.awaitGone(pid, STEP_TIMEOUT_MS);
        if (gone < 0) {
          throw new IllegalStateException("the predecessor pid " + pid + " did not exit within " + STEP_TIMEOUT_MS
              + " ms of its successor's ready; log: " + first.log);
        }
        pid = e.data().getLong("successorPid");
        return new Step(sent, ready, (gone - sent) / 1e6, outcome);
      }
    }

    @Override
    public boolean originalServes() {
      return pid == first.pid() && first.alive() && Http.get(port, "/hello", 2000).status() == 200;
    }

    /**
     * TERM to the process serving now; KILL after 40 s. A successor runs in a session of its own under
     * {@code sh} and {@code tee} (docs/PRODUCTION.md): waits (bounded) for those to follow it out.
     */
    @Override
    public void stop() throws Exception {
      List<ProcessHandle> session = pid == first.pid() ? List.of()
          : ProcessHandle.of(sessionOf(pid)).map(h -> Stream.concat(Stream.of(h), h.descendants()).toList())
              .orElse(List.of());
      if (!Server.gone(pid)) {
        Server.signal(pid, "TERM");
        if (Server.awaitGone(pid, 40_000) < 0) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
      for (ProcessHandle h : session) {
        Server.awaitGone(h.pid(), 5_000);
      }
      first.stopQuietly(5000);
    }

    /** The session id of {@code pid} (field 6 of /proc/PID/stat), or {@code pid} itself when unreadable. */
    private static long sessionOf(long pid) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
      } catch (IOException | RuntimeException e) {
        return pid;
      }
    }
  }

  /**
   * The peer: a daemonized gunicorn master (found through its pid file) with gthread workers, each
   * of which leaves a file {@code ready-<master>-<worker>} once it has loaded the app.
   */
  static final class Gunicorn implements Target {
    private static final String APP = """
        def app(environ, start_response):
            body = b"hello\\n"
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        """;
    private static final String HOOKS = """
        import os
        import signal

        # A process started by a JVM has SIGQUIT blocked (HotSpot blocks it in every Java thread and the
        # child inherits the mask): unblock it in the master (this file is read before it daemonizes, and
        # again by each new master after USR2), or the QUIT of the upgrade stays pending forever.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGQUIT])

        def post_worker_init(worker):
            # the harness counts these: a worker is ready once its app is loaded
            open(os.path.join(os.environ["BENCH_READY_DIR"], "ready-%d-%d" % (os.getppid(), os.getpid())), "w").close()
        """;
    private final Path dir;
    private final int workers;
    private final long first;
    private long master;

    private Gunicorn(Path dir, int workers, long master) {
      this.dir = dir;
      this.workers = workers;
      this.first = master;
      this.master = master;
    }

    /** The gunicorn on the PATH, if any. */
    static Optional<String> find() {
      for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        Path p = Path.of(d.isEmpty() ? "." : d, "gunicorn");
        if (Files.isExecutable(p)) {
          return Optional.of(p.toString());
        }
      }
      return Optional.empty();
    }

    static String version(String gunicorn) {
      try {
        ProcessBuilder pb = new ProcessBuilder(gunicorn, "--version").redirectErrorStream(true);
        pb.environment().put("BENCH_TAG", Bench.TAG);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
        return out;
      } catch (IOException e) {
        return "version unknown: " + e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "version unknown";
      }
    }

    static Gunicorn start(String gunicorn, String name, Settings s, Report report) throws Exception {
      Http.requireFree(s.gport());
      Path dir = report.file("gunicorn-" + name).toAbsolutePath();
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("app.py"), APP);
      Files.writeString(dir.resolve("hooks.py"), HOOKS);
      Path pidFile = dir.resolve("master.pid");
      List<String> cmd = new ArrayList<>(Server.DEFAULT_SIGNALS);
      cmd.addAll(List.of(gunicorn, "--daemon", "--pid", pidFile.toString(), "--bind", "127.0.0.1:" + s.gport(),
          "--workers", Integer.toString(s.workers()), "--worker-class", "gthread", "--threads",
          Integer.toString(s.threads()), "--keep-alive", "30", "--config", dir.resolve("hooks.py").toString(),
          "--chdir", dir.toString(), "--error-logfile", dir.resolve("gunicorn.log").toString(), "--log-level", "info",
          "app:app"));
      Server launcher = Server.start("gunicorn-" + name, cmd, dir, dir.resolve("launcher.out"),
          Map.of("BENCH_READY_DIR", dir.toString()));
      launcher.awaitExit(30_000);
      long master = awaitPidFile(pidFile, -1);
      Gunicorn g = new Gunicorn(dir, s.workers(), master);
      g.awaitWorkers(master);
      if (Http.get(s.gport(), "/", 2000).status() != 200) {
        throw new IllegalStateException("gunicorn (master " + master + ") does not answer; log: " + dir);
      }
      return g;
    }

    /** Waits for {@code file} to hold a live pid other than {@code not}; returns it. */
    private static long awaitPidFile(Path file, long not) throws InterruptedException {
      long until = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000;
      while (System.nanoTime() < until) {
        try {
          long pid = Long.parseLong(Files.readString(file).trim());
          if (pid != not && !Server.gone(pid)) {
            return pid;
          }
        } catch (IOException | NumberFormatException e) {
          // not written yet
        }
        Thread.sleep(1);
      }
      throw new IllegalStateException("no gunicorn master pid in " + file + " within " + STEP_TIMEOUT_MS + " ms");
    }

    /** Waits until every worker of {@code pid} has loaded the app; returns that moment (System.nanoTime()). */
    private long awaitWorkers(long pid) throws InterruptedException, IOException {
      long until = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000;
      String prefix = "ready-" + pid + "-";
      while (System.nanoTime() < until) {
        try (Stream<Path> files = Files.list(dir)) {
          if (files.filter(f -> f.getFileName().toString().startsWith(prefix)).count() >= workers) {
            return System.nanoTime();
          }
        }
        Thread.sleep(1);
      }
      throw new IllegalStateException("gunicorn master " + pid + ": not " + workers + " workers ready within "
          + STEP_TIMEOUT_MS + " ms; log: " + dir);
    }

    @Override
    public Step upgrade() throws Exception {
      long old = master;
      long sent = Server.signal(old, "USR2");
      // the new master writes master.pid.2 (renamed to master.pid once the old master has gone)
      long next = awaitPidFile(dir.resolve("master.pid.2"), old);
      long ready = awaitWorkers(next);
      List<ProcessHandle> oldWorkers = ProcessHandle.of(old).map(h -> h.children().filter(c -> c.pid() != next)
          .toList()).orElse(List.of());
      Server.signal(old, "WINCH");
      for (ProcessHandle w : oldWorkers) {
        if (Server.awaitGone(w.pid(), STEP_TIMEOUT_MS) < 0) {
          throw new IllegalStateException("gunicorn: old worker " + w.pid() + " still there " + STEP_TIMEOUT_MS
              + " ms after WINCH; log: " + dir);
        }
      }
      Server.signal(old, "QUIT");
      long gone = Server.awaitGone(old, STEP_TIMEOUT_MS);
      if (gone < 0) {
        throw new IllegalStateException("gunicorn: old master " + old + " did not exit after QUIT; log: " + dir);
      }
      master = next;
      return new Step(sent, (ready - sent) / 1e6, (gone - sent) / 1e6, "done");
    }

    @Override
    public boolean originalServes() {
      return master == first && !Server.gone(first);
    }

    @Override
    public void stop() throws Exception {
      if (!Server.gone(master)) {
        Server.signal(master, "TERM");
        Server.awaitGone(master, 40_000);
      }
    }
  }

  private static void summarize(List<Run> runs, List<String> modes, List<Series> series, Report report) {
    report.add("Latency in ms, from the moment each request was due; \"during\": requests due between the first "
        + "command and the last predecessor's exit (or rollback). Figures: median (min–max) over the upgrades "
        + "(times) or the rounds (latency). Failed: every request that did not end with a 200, refused (the "
        + "connection could not be opened) included.");
    report.add("");
    report.add("| server | mode | upgrades (outcomes) | requests | failed | refused | target | steady p99 | p99 during "
        + "| during / steady (target ≤ 2) | max during | command → successor ready, ms | command → predecessor exited, "
        + "ms | foreign CPU, % of a core | verdict |");
    report.add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (Series x : series) {
      for (String mode : modes) {
        List<Run> rs = runs.stream().filter(r -> r.series() == x && r.mode().equals(mode)).toList();
        if (rs.isEmpty()) {
          continue;
        }
        int failed = rs.stream().mapToInt(r -> r.all().failed()).sum();
        int refused = rs.stream().mapToInt(r -> r.all().refused()).sum();
        List<String> reasons = rs.stream().flatMap(r -> r.all().reasons().stream()).toList();
        List<Step> steps = rs.stream().flatMap(r -> r.steps().stream()).toList();
        Stats ratio = Stats.of(rs.stream().map(r -> r.upgrades().p99() / r.steady().p99()).toList());
        boolean broken = x == Series.BROKEN;
        boolean outcomesOk = steps.stream().allMatch(st -> st.outcome().startsWith(broken ? "failed" : "done"));
        boolean served = rs.stream().allMatch(Run::servedOn);
        List<String> missed = new ArrayList<>();
        if (failed > 0) {
          missed.add("failed");
        }
        if (!broken && ratio.max() > 2) {
          missed.add("p99");
        }
        if (!outcomesOk) {
          missed.add("outcome");
        }
        if (broken && !served) {
          missed.add("old process not serving");
        }
        String verdict = x == Series.GUNICORN ? "(peer)" : missed.isEmpty() ? "pass" : "MISS " + missed;
        report.add(String.format(Locale.ROOT, "| %s | %s | %d %s | %d | %d%s | %d | 0 and 0 | %s | %s | %s | %s | %s "
            + "| %s | %.0f | %s |", x.label, mode, steps.size(), steps.stream().map(st -> st.outcome().split(":")[0])
            .distinct().toList(), rs.stream().mapToInt(r -> r.all().requests()).sum(), failed, reasons.isEmpty() ? ""
            : " " + reasons, refused, Stats.of(rs.stream().map(r -> r.steady().p99()).toList()).fmt(2),
            Stats.of(rs.stream().map(r -> r.upgrades().p99()).toList()).fmt(2), ratio.fmt(2),
            Stats.of(rs.stream().map(r -> r.upgrades().max()).toList()).fmt(1),
            Stats.of(steps.stream().map(Step::readyMs).toList()).fmt(0) + (broken ? " (rolled back)" : ""),
            broken ? (served ? "— (old process still serving)" : "— (OLD PROCESS NOT SERVING)")
                : Stats.of(steps.stream().map(Step::exitedMs).toList()).fmt(0),
            rs.stream().mapToDouble(r -> r.load().foreignPct()).max().orElse(0), verdict));
      }
    }
    if (series.contains(Series.QUIESCE) && series.contains(Series.GUNICORN)) {
      report.add("");
      for (String mode : modes) {
        Peers p = Peers.of(runs, mode);
        report.add(String.format(Locale.ROOT, "Quiesce / gunicorn, %s, same run (medians): failed requests %d vs %d; "
            + "p99 during the upgrades %.2f vs %.2f ms (ratio %.2f); command → successor ready %.0f vs %.0f ms (ratio "
            + "%.2f); command → predecessor exited %.0f vs %.0f ms (ratio %.2f).", mode, p.q().failed(), p.g().failed(),
            p.q().p99(), p.g().p99(), p.q().p99() / p.g().p99(), p.q().ready(), p.g().ready(),
            p.q().ready() / p.g().ready(), p.q().exited(), p.g().exited(), p.q().exited() / p.g().exited()));
      }
    }
    report.add("");
    report.add("Foreign CPU during the measured windows, max of the series: " + String.format(Locale.ROOT, "%.0f %%",
        runs.stream().mapToDouble(x -> x.load().foreignPct()).max().orElse(0)) + " of one core.");
    List<String> leftovers = runs.stream().flatMap(r -> r.leftovers().stream()).toList();
    report.add(leftovers.isEmpty() ? "No process of the run was left behind after a series."
        : "Processes left behind after a series, ended by the harness: " + leftovers);
  }

  /** The medians of one server's series in one mode, for the peer comparison. */
  private record Median(int failed, double p99, double ready, double exited) {

    static Median of(List<Run> runs) {
      return new Median(runs.stream().mapToInt(r -> r.all().failed()).sum(),
          Stats.of(runs.stream().map(r -> r.upgrades().p99()).toList()).median(),
          Stats.of(runs.stream().flatMap(r -> r.steps().stream()).map(Step::readyMs).toList()).median(),
          Stats.of(runs.stream().flatMap(r -> r.steps().stream()).map(Step::exitedMs).toList()).median());
    }
  }

  /** Quiesce's and gunicorn's medians in one mode. */
  private record Peers(Median q, Median g) {

    static Peers of(List<Run> runs, String mode) {
      return new Peers(Median.of(runs.stream().filter(r -> r.series() == Series.QUIESCE && r.mode().equals(mode))
          .toList()), Median.of(runs.stream().filter(r -> r.series() == Series.GUNICORN && r.mode().equals(mode))
          .toList()));
    }
  }
}
