package dev.quiesce.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmark 5, start: from {@code java -jar example-app.jar} (the moment before the process is
 * started) to the first 200 of {@code GET /health/ready}, polled every 5 ms on a new connection;
 * the example application with its own configuration (two worker children), ports moved to
 * 18080/18081. Also the launcher's own figure (the start line's "in N ms") and, after it, the
 * stop: SIGTERM to exit with the two workers' 1 s clean-up.
 */
final class StartBench {

  static final Set<String> OPTIONS = Set.of("rounds", "port", "mport", "jvm", "out", "config", "poll");
  static final Set<String> FLAGS = Set.of();
  private static final Pattern START_LINE = Pattern.compile("quiesce started pid=\\d+ in (\\d+) ms");

  private StartBench() {
  }

  record Run(int round, double readyMs, double appMs, boolean readyWhileRefused, double launcherMs, double stopMs,
      int exitCode) {
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 10);
    int port = o.integer("port", 18080);
    int mport = o.integer("mport", 18081);
    int poll = o.integer("poll", 5);
    String config = o.string("config", "example-app/conf/config.json");
    List<String> jvm = o.list("jvm");
    report.add(String.format(Locale.ROOT, "Command: `java %s -Dquiesce.http.port=%d -Dquiesce.management.port=%d "
        + "-Dquiesce.lifecycle.reportFile=… -jar %s --config %s`, from the repository root; `/health/ready` polled "
        + "and `GET /hello` on the application port every %d ms; %d rounds, a fresh JVM each.", String.join(" ", jvm), port, mport, Bench.EXAMPLE_JAR, config,
        poll, rounds));
    report.add("");
    List<Run> runs = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      Http.requireFree(port, mport);
      CpuMonitor.awaitQuiet();
      List<String> flags = new ArrayList<>(jvm);
      flags.addAll(List.of("-Dquiesce.http.port=" + port, "-Dquiesce.management.port=" + mport,
          "-Dquiesce.lifecycle.reportFile=" + report.file("stop-report-r" + r + ".json").toAbsolutePath()));
      Server server = Server.java("example", flags, List.of("-jar", Bench.EXAMPLE_JAR, "--config", config),
          Path.of("."), report.file("server-r" + r + ".log"), Map.of());
      try {
        // poll both: the readiness probe, and the application's own listener (GET /hello)
        long ready = -1;
        long app = -1;
        boolean readyWhileRefused = false;
        long until = System.nanoTime() + 60_000_000_000L;
        while ((ready < 0 || app < 0) && System.nanoTime() < until) {
          if (ready < 0 && Http.get(mport, "/health/ready", 1000).status() == 200) {
            ready = System.nanoTime();
          }
          if (app < 0) {
            int status = Http.get(port, "/hello", 1000).status();
            if (status == 200) {
              app = System.nanoTime();
            } else if (ready >= 0) {
              // readiness said 200, and right after it the application's port did not answer
              readyWhileRefused = true;
            }
          }
          server.checkAlive();
          if (ready < 0 || app < 0) {
            Thread.sleep(poll);
          }
        }
        if (ready < 0 || app < 0) {
          throw new IllegalStateException("not ready within 60 s; log: " + server.log);
        }
        double readyMs = (ready - server.startNanos) / 1e6;
        double appMs = (app - server.startNanos) / 1e6;
        Thread.sleep(1500);
        Matcher m = START_LINE.matcher(server.logText());
        double launcherMs = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        long sig = server.term();
        int exit = server.awaitExit(60_000);
        Run run = new Run(r, readyMs, appMs, readyWhileRefused, launcherMs, (server.exitNanos() - sig) / 1e6, exit);
        runs.add(run);
        report.progress(String.format(Locale.ROOT, "round %d: first 200 on /health/ready %.0f ms after java -jar, "
            + "on the application's /hello %.0f ms (start line: %.0f ms); stop %.0f ms, exit %d", r, readyMs, appMs,
            launcherMs, run.stopMs(), exit));
      } finally {
        server.stopQuietly(10_000);
      }
    }
    report.add("| measure | median [p25–p75] (min–max), ms |");
    report.add("|---|---|");
    report.add("| `java -jar` → first 200 on /health/ready | "
        + Stats.of(runs.stream().map(Run::readyMs).toList()).fmtFull(0) + " |");
    report.add("| `java -jar` → first 200 on the application's `GET /hello` (port " + port + ") | "
        + Stats.of(runs.stream().map(Run::appMs).toList()).fmtFull(0) + " |");
    report.add("| rounds in which `/health/ready` answered 200 and the application's port, asked right after, did "
        + "not answer | " + runs.stream().filter(Run::readyWhileRefused).count() + " of " + runs.size() + " |");
    report.add("| the start line's own figure (launcher start → application started) | "
        + Stats.of(runs.stream().map(Run::launcherMs).toList()).fmtFull(0) + " |");
    report.add("| SIGTERM → exit (two workers, 1 s clean-up each) | "
        + Stats.of(runs.stream().map(Run::stopMs).toList()).fmtFull(0) + " |");
    report.add("");
    report.add("Exit codes: " + runs.stream().map(x -> Integer.toString(x.exitCode())).distinct().toList() + ".");
  }
}
