package dev.quiesce.bench;

import dev.quiesce.cluster.LeaveLoadNode;
import java.io.IOException;
import java.nio.file.Files;
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
 * logs; then TERM to all three and their exits. The peer, measured in the same run with the variants
 * alternating: three plain clustered Vert.x JVMs with the same Hazelcast setup ({@link LeaveLoadNode}
 * {@code plain serve}); the ratio of the medians of "cluster formed" is reported.
 */
final class ClusterFormBench {

  static final Set<String> OPTIONS = Set.of("rounds", "hzport", "port", "mport", "jvm", "out");
  static final Set<String> FLAGS = Set.of();
  private static final int NODES = 3;
  private static final Pattern START_LINE = Pattern.compile("quiesce started pid=\\d+ in (\\d+) ms");
  private static final Pattern MEMBERS = Pattern.compile("Members \\{size:(\\d+), ver:\\d+\\}");

  private ClusterFormBench() {
  }

  record Run(String variant, int round, double startLinesMs, double formedMs, List<Double> launcherMs,
      int firstSawAlone, double stopMs, List<Integer> exits) {
  }

  /** What the peer prints once its clustered Vert.x is up and its consumer registered. */
  private static final Pattern PLAIN_READY = Pattern.compile("PLAIN ready");

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
    report.add("The peer, in the same run (the variants alternating): three plain clustered Vert.x JVMs"
        + " (`LeaveLoadNode plain serve`, framework-cluster's test node: the same Hazelcast setup, TCP-IP join to the"
        + " other two, one event-bus consumer, no launcher, no HTTP, no children), launched at once the same way;"
        + " its \"start line\" is its `PLAIN ready` line.");
    report.add("");
    List<Run> runs = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      for (String variant : r % 2 == 1 ? List.of("quiesce", "plain") : List.of("plain", "quiesce")) {
        runs.add(once(variant, r, jvm, hzport, port, mport, report));
      }
    }
    for (String variant : List.of("quiesce", "plain")) {
      List<Run> of = runs.stream().filter(x -> x.variant().equals(variant)).toList();
      report.add("");
      report.add("**" + (variant.equals("quiesce") ? "Quiesce (the example app)" : "plain clustered Vert.x (the peer)")
          + "**");
      report.add("");
      report.add("| measure | median [p25–p75] (min–max), ms |");
      report.add("|---|---|");
      report.add("| launch of 3 JVMs → the last of the three start lines | "
          + Stats.of(of.stream().map(Run::startLinesMs).toList()).fmtFull(0) + " |");
      report.add("| launch of 3 JVMs → every node sees 3 members (cluster formed) | "
          + Stats.of(of.stream().map(Run::formedMs).toList()).fmtFull(0) + " |");
      if (variant.equals("quiesce")) {
        report.add("| the start lines' own figures (launcher start → application started), all nodes | "
            + Stats.of(of.stream().flatMap(x -> x.launcherMs().stream()).toList()).fmtFull(0) + " |");
      }
      report.add("| TERM to all three → the last exit | "
          + Stats.of(of.stream().map(Run::stopMs).toList()).fmtFull(0) + " |");
      report.add("");
      report.add("Nodes that formed a cluster of one before the others joined it: "
          + of.stream().map(x -> Integer.toString(x.firstSawAlone())).toList() + " per round. Exit codes: "
          + of.stream().flatMap(x -> x.exits().stream()).map(String::valueOf).distinct().toList() + ".");
    }
    double quiesce = Stats.of(runs.stream().filter(x -> x.variant().equals("quiesce")).map(Run::formedMs).toList())
        .median();
    double plain = Stats.of(runs.stream().filter(x -> x.variant().equals("plain")).map(Run::formedMs).toList())
        .median();
    report.add("");
    report.add(String.format(Locale.ROOT, "Cluster formed, Quiesce over the peer (medians): %.0f / %.0f ms = **%.2f**.",
        quiesce, plain, quiesce / plain));
  }

  private static Run once(String variant, int r, List<String> jvm, int hzport, int port, int mport, Report report)
      throws Exception {
    boolean plain = variant.equals("plain");
    for (int n = 0; n < NODES; n++) {
      Http.requireFree(port + n, mport + n, hzport + n);
    }
    CpuMonitor.awaitQuiet();
    String name = "bench-form-" + UUID.randomUUID().toString().substring(0, 8);
    Pattern ready = plain ? PLAIN_READY : START_LINE;
    Path dir = Files.createTempDirectory("cluster-form-");
    int[] ports = new int[NODES];
    for (int n = 0; n < NODES; n++) {
      ports[n] = hzport + n;
    }
    List<Server> nodes = new ArrayList<>();
    long launched = System.nanoTime();
    try {
      for (int n = 0; n < NODES; n++) {
        Path log = report.file(variant + "-node-" + (n + 1) + "-r" + r + ".log");
        if (plain) {
          List<String> flags = new ArrayList<>(jvm);
          flags.add("-Dlogback.configurationFile=" + plainLogback(dir));
          Path config = LeaveLoadNode.writeConfig(dir, name, ports, n, "n" + (n + 1));
          nodes.add(Server.java("plain-node-" + (n + 1), flags, List.of("-cp", System.getProperty("java.class.path"),
              LeaveLoadNode.class.getName(), "plain", "serve", config.toString()), Path.of("."), log, Map.of()));
        } else {
          nodes.add(Server.java("node-" + (n + 1), flags(jvm, name, hzport, port, mport, n, report, r),
              List.of("-jar", Bench.EXAMPLE_JAR, "--config", "example-app/conf/cluster-node-" + (n + 1) + ".json"),
              Path.of("."), log, Map.of()));
        }
      }
      long startLines = -1;
      long formed = -1;
      long until = launched + 120_000_000_000L;
      while ((startLines < 0 || formed < 0) && System.nanoTime() < until) {
        if (startLines < 0 && nodes.stream().allMatch(s -> ready.matcher(s.logText()).find())) {
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
      Run run = new Run(variant, r, (startLines - launched) / 1e6, (formed - launched) / 1e6, launcherMs, alone,
          (lastExit - signalled) / 1e6, exits);
      report.progress(String.format(Locale.ROOT, "round %d, %s: all three start lines %.0f ms after launch, all three"
          + " see 3 members %.0f ms; start lines' own figures %s ms; %d node(s) formed a cluster of one first;"
          + " TERM to all -> last exit %.0f ms, exits %s", r, variant, run.startLinesMs(), run.formedMs(), launcherMs,
          alone, run.stopMs(), exits));
      return run;
    } finally {
      nodes.forEach(s -> s.stopQuietly(10_000));
    }
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

  /** The peer's logging: warnings, and Hazelcast's membership lines (INFO) that the bench reads. */
  private static Path plainLogback(Path dir) throws IOException {
    Path file = dir.resolve("plain-logback.xml");
    if (!Files.exists(file)) {
      Files.writeString(file, """
          <configuration>
            <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
              <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{30} - %msg%n</pattern></encoder>
            </appender>
            <logger name="com.hazelcast.internal.cluster" level="INFO"/>
            <root level="WARN"><appender-ref ref="OUT"/></root>
          </configuration>
          """);
    }
    return file;
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
