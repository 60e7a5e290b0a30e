package dev.quiesce.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cluster formation: three example-app JVMs launched at once with {@code conf/cluster-node-{1,2,3}.json}
 * (their Hazelcast, HTTP and management ports moved by system properties, and a cluster name of the
 * run's own, so no other cluster on the machine is joined). Measured from the moment before the first
 * {@code java -jar} to (a) the last of the three start lines, and (b) the moment every node's
 * Hazelcast has logged a membership of 3 ({@code Members {size:3}}), both polled every 20 ms in the
 * logs; then TERM to all three and their exits.
 */
final class ClusterFormBench {

  static final Set<String> OPTIONS = Set.of("rounds", "hzport", "port", "mport", "jvm", "out");
  static final Set<String> FLAGS = Set.of();
  private static final int NODES = 3;
  private static final Pattern START_LINE = Pattern.compile("quiesce started pid=\\d+ in (\\d+) ms");
  private static final Pattern MEMBERS = Pattern.compile("Members \\{size:(\\d+), ver:\\d+\\}");

  private ClusterFormBench() {
  }

  record Run(int round, double startLinesMs, double formedMs, List<Double> launcherMs, int firstSawAlone,
      double stopMs, List<Integer> exits) {
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 5);
    int hzport = o.integer("hzport", 15701);
    int port = o.integer("port", 18181);
    int mport = o.integer("mport", 18191);
    List<String> jvm = o.list("jvm");
    report.add(String.format(Locale.ROOT, "Command, per node N of 1..3, all three launched at once from the"
        + " repository root: `java %s -Dquiesce.cluster.name=<run's own> -Dquiesce.cluster.port=%d+N-1"
        + " -Dquiesce.cluster.members.0=… -Dquiesce.cluster.members.1=… -Dquiesce.http.port=%d+N-1"
        + " -Dquiesce.management.port=%d+N-1 -jar %s --config example-app/conf/cluster-node-N.json`; %d rounds.",
        String.join(" ", jvm), hzport, port, mport, Bench.EXAMPLE_JAR, rounds));
    report.add("");
    List<Run> runs = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      for (int n = 0; n < NODES; n++) {
        Http.requireFree(port + n, mport + n, hzport + n);
      }
      CpuMonitor.awaitQuiet();
      String name = "bench-form-" + UUID.randomUUID().toString().substring(0, 8);
      List<Server> nodes = new ArrayList<>();
      long launched = System.nanoTime();
      try {
        for (int n = 0; n < NODES; n++) {
          nodes.add(Server.java("node-" + (n + 1), flags(jvm, name, hzport, port, mport, n, report, r),
              List.of("-jar", Bench.EXAMPLE_JAR, "--config", "example-app/conf/cluster-node-" + (n + 1) + ".json"),
              Path.of("."), report.file("node-" + (n + 1) + "-r" + r + ".log"), Map.of()));
        }
        long startLines = -1;
        long formed = -1;
        long until = launched + 120_000_000_000L;
        while ((startLines < 0 || formed < 0) && System.nanoTime() < until) {
          if (startLines < 0 && nodes.stream().allMatch(s -> START_LINE.matcher(s.logText()).find())) {
            startLines = System.nanoTime();
          }
          if (formed < 0 && nodes.stream().allMatch(s -> lastMembers(s.logText()) == NODES)) {
            formed = System.nanoTime();
          }
          nodes.forEach(Server::checkAlive);
          Thread.sleep(20);
        }
        if (startLines < 0 || formed < 0) {
          throw new IllegalStateException("the cluster did not form within 120 s; logs: "
              + nodes.stream().map(s -> s.log.toString()).toList());
        }
        List<Double> launcherMs = new ArrayList<>();
        int alone = 0;
        for (Server s : nodes) {
          Matcher m = START_LINE.matcher(s.logText());
          launcherMs.add(m.find() ? Double.parseDouble(m.group(1)) : Double.NaN);
          Matcher first = MEMBERS.matcher(s.logText());
          if (first.find() && first.group(1).equals("1")) {
            alone++;
          }
        }
        long signalled = System.nanoTime();
        for (Server s : nodes) {
          s.term();
        }
        List<Integer> exits = new ArrayList<>();
        long lastExit = signalled;
        for (Server s : nodes) {
          exits.add(s.awaitExit(60_000));
          lastExit = Math.max(lastExit, s.exitNanos());
        }
        Run run = new Run(r, (startLines - launched) / 1e6, (formed - launched) / 1e6, launcherMs, alone,
            (lastExit - signalled) / 1e6, exits);
        runs.add(run);
        report.progress(String.format(Locale.ROOT, "round %d: all three start lines %.0f ms after launch, all three"
            + " see 3 members %.0f ms; start lines' own figures %s ms; %d node(s) formed a cluster of one first;"
            + " TERM to all -> last exit %.0f ms, exits %s", r, run.startLinesMs(), run.formedMs(), launcherMs, alone,
            run.stopMs(), exits));
      } finally {
        nodes.forEach(s -> s.stopQuietly(10_000));
      }
    }
    report.add("| measure | median [p25–p75] (min–max), ms |");
    report.add("|---|---|");
    report.add("| launch of 3 JVMs → the last of the three start lines | "
        + Stats.of(runs.stream().map(Run::startLinesMs).toList()).fmtFull(0) + " |");
    report.add("| launch of 3 JVMs → every node sees 3 members (cluster formed) | "
        + Stats.of(runs.stream().map(Run::formedMs).toList()).fmtFull(0) + " |");
    report.add("| the start lines' own figures (launcher start → application started), all nodes | "
        + Stats.of(runs.stream().flatMap(x -> x.launcherMs().stream()).toList()).fmtFull(0) + " |");
    report.add("| TERM to all three → the last exit | "
        + Stats.of(runs.stream().map(Run::stopMs).toList()).fmtFull(0) + " |");
    report.add("");
    report.add("Nodes that formed a cluster of one before the others joined it: "
        + runs.stream().map(x -> Integer.toString(x.firstSawAlone())).toList() + " per round. Exit codes: "
        + runs.stream().flatMap(x -> x.exits().stream()).map(String::valueOf).distinct().toList() + ".");
  }

  private static List<String> flags(List<String> jvm, String name, int hzport, int port, int mport, int n,
      Report report, int round) {
    List<String> flags = new ArrayList<>(jvm);
    flags.add("-Dquiesce.cluster.name=" + name);
    flags.add("-Dquiesce.cluster.port=" + (hzport + n));
    int member = 0;
    for (int other = 0; other < NODES; other++) {
      if (other != n) {
        flags.add("-Dquiesce.cluster.members." + member++ + "=127.0.0.1:" + (hzport + other));
      }
    }
    flags.add("-Dquiesce.http.port=" + (port + n));
    flags.add("-Dquiesce.management.port=" + (mport + n));
    flags.add("-Dquiesce.lifecycle.reportFile="
        + report.file("stop-report-node-" + (n + 1) + "-r" + round + ".json").toAbsolutePath());
    return flags;
  }

  /** The size of the last membership Hazelcast logged, or 0. */
  private static int lastMembers(String log) {
    int size = 0;
    Matcher m = MEMBERS.matcher(log);
    while (m.find()) {
      size = Integer.parseInt(m.group(1));
    }
    return size;
  }
}
