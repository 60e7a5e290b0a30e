package dev.quiesce.bench;

import dev.quiesce.cluster.LeaveLoadNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node leaving a cluster under event-bus load (issue 14): three JVMs on 127.0.0.1
 * ({@code dev.quiesce.cluster.LeaveLoadNode}, from framework-cluster's test jar), a Hazelcast cluster
 * of their own; node A sends {@code --total} request/reply messages at {@code --rate} a second (send
 * timeout {@code --timeout} ms) to an address served by B and C; B gets TERM once a sixth are sent.
 * Variants, alternating in every round: {@code quiesce} (B and C are Quiesce nodes with a draining
 * consumer; the stop withdraws B's registrations in {@code announce}) and {@code plain} (B and C are
 * plain clustered Vert.x whose only stop is {@code vertx.close()} in a shutdown hook). Figures: A's
 * failed requests by kind; B's TERM → exit; for Quiesce, TERM → withdrawn and TERM → every other
 * node confirmed, TERM → B left the cluster (from B's stop report file and its {@code cluster} part: the
 * stop's start is when the launcher got the signal); stragglers and lost counted until the leave.
 */
final class ClusterLeaveBench {

  static final Set<String> OPTIONS = Set.of("rounds", "total", "rate", "timeout", "out", "jvm");
  static final Set<String> FLAGS = Set.of();

  private ClusterLeaveBench() {
  }

  /** One leave. */
  record Run(String variant, int round, int failed, Map<String, Object> failures, long termToExitMs,
      long termToWithdrawnMs, long termToConfirmedMs, long termToLeftMs, long stragglers, long lost) {
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 5);
    int total = o.integer("total", 3000);
    int rate = o.integer("rate", 400);
    int timeout = o.integer("timeout", 5000);
    report.add(String.format(Locale.ROOT, "Three JVMs on 127.0.0.1 in a Hazelcast cluster of their own; A sends %d "
        + "request/reply messages at %d/s (send timeout %d ms) to an address served by B and C (2 ms of work each); "
        + "B gets TERM once a sixth are sent. %d rounds, the variants alternating.", total, rate, timeout, rounds));
    report.add("");
    List<Run> runs = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      for (String variant : r % 2 == 1 ? List.of("quiesce", "plain") : List.of("plain", "quiesce")) {
        Run run = once(o, variant, r, total, rate, timeout);
        runs.add(run);
        report.progress(run.toString());
      }
    }
    report.add("| variant | failed requests | TERM → B exited, ms | TERM → withdrawn, ms | TERM → every node "
        + "confirmed, ms | TERM → left the cluster, ms | stragglers handled, until the leave | lost, until the leave |");
    report.add("|---|---|---|---|---|---|---|---|");
    for (String variant : List.of("quiesce", "plain")) {
      List<Run> of = runs.stream().filter(x -> x.variant().equals(variant)).toList();
      boolean quiesce = variant.equals("quiesce");
      report.add("| " + variant + " | " + Stats.of(of.stream().map(Run::failed).toList()).fmtFull(0) + " | "
          + Stats.of(of.stream().map(Run::termToExitMs).toList()).fmtFull(0) + " | "
          + (quiesce ? Stats.of(of.stream().map(Run::termToWithdrawnMs).toList()).fmtFull(0) : "–") + " | "
          + (quiesce ? Stats.of(of.stream().map(Run::termToConfirmedMs).toList()).fmtFull(0) : "–") + " | "
          + (quiesce ? leftMs(of) : "–") + " | "
          + (quiesce ? Stats.of(of.stream().map(Run::stragglers).toList()).fmtFull(0) : "–") + " | "
          + (quiesce ? Stats.of(of.stream().map(Run::lost).toList()).fmtFull(0) : "–") + " |");
    }
    report.add("");
    report.add("Medians [p25–p75] (min–max) over the rounds. Failures by kind, by round: "
        + runs.stream().map(x -> x.variant() + " " + x.failures()).toList());
  }

  private static Run once(Options o, String variant, int round, int total, int rate, int timeout)
      throws Exception {
    Path dir = Files.createTempDirectory("cluster-leave-");
    int[] ports = {freePort(), freePort(), freePort()};
    String cluster = "bench-leave-" + ProcessHandle.current().pid() + "-" + round + "-" + variant;
    List<Server> servers = new ArrayList<>();
    try {
      Server a = node(o, dir, "quiesce", "send", "a", ports, 0, cluster, total, rate, timeout);
      servers.add(a);
      Server b = node(o, dir, variant, "serve", "b", ports, 1, cluster, total, rate, timeout);
      servers.add(b);
      servers.add(node(o, dir, variant, "serve", "c", ports, 2, cluster, total, rate, timeout));
      awaitLine(a, Pattern.compile("LOAD started"), 180_000);
      awaitLine(a, Pattern.compile("LOAD progress " + (total / 6 / 250 * 250)), 120_000);
      long term = b.signal("TERM");
      b.awaitExit(60_000);
      long termToExit = TimeUnit.NANOSECONDS.toMillis(b.exitNanos() - term);
      JsonObject load = new JsonObject(awaitLine(a, Pattern.compile("LOAD done (\\{.*})"),
          (long) total * 1000 / rate + 60_000).group(1));
      Path reportFile = dir.resolve("report-b.json");
      long withdrawn = -1;
      long confirmed = -1;
      long left = -1;
      long stragglers = -1;
      long lost = -1;
      if (Files.exists(reportFile)) {
        JsonObject stop = new JsonObject(Files.readString(reportFile));
        JsonObject first = participant(stop, 0);
        JsonObject last = participant(stop, stop.getJsonArray("phases").size() - 1);
        withdrawn = first.getLong("withdrawnAt") - stop.getLong("start");
        confirmed = first.getLong("confirmedAt", stop.getLong("start") - 1) - stop.getLong("start");
        stragglers = last.getLong("stragglers");
        lost = last.getLong("lost");
        // the part added once B had left: the leave's time, and the counts until then
        if (stop.getValue("cluster") instanceof JsonObject part && part.containsKey("leftAt")) {
          left = part.getLong("leftAt") - stop.getLong("start");
          stragglers = part.getLong("stragglers");
          lost = part.getLong("lost");
        }
      }
      return new Run(variant, round, load.getInteger("failed"), load.getJsonObject("failures").getMap(), termToExit,
          withdrawn, confirmed, left, stragglers, lost);
    } finally {
      for (Server s : servers) {
        s.stopQuietly(10_000);
      }
    }
  }

  /** TERM → left over the runs whose report file had the cluster part; the others are counted apart. */
  private static String leftMs(List<Run> runs) {
    List<Long> left = runs.stream().map(Run::termToLeftMs).filter(ms -> ms >= 0).toList();
    long missing = runs.size() - left.size();
    return (left.isEmpty() ? "n/a" : Stats.of(left).fmtFull(0))
        + (missing == 0 ? "" : " (" + missing + " report file(s) without the part)");
  }

  private static JsonObject participant(JsonObject stop, int phase) {
    for (Object p : stop.getJsonArray("phases").getJsonObject(phase).getJsonArray("participants")) {
      if ("cluster".equals(((JsonObject) p).getString("participant"))) {
        return ((JsonObject) p).getJsonObject("detail");
      }
    }
    throw new IllegalStateException("no participant cluster in phase " + phase + " of " + stop.encode());
  }

  private static Server node(Options o, Path dir, String kind, String role, String name, int[] ports, int index,
      String cluster, int total, int rate, int timeout) throws IOException {
    Path file = LeaveLoadNode.writeConfig(dir, cluster, ports, index, name);
    List<String> jvm = new ArrayList<>(List.of(o.string("jvm", "-Xmx256m").split(" ")));
    jvm.addAll(List.of("-Dlogback.configurationFile=bench/conf/bench-logback.xml", "-Dnode.name=" + name,
        "-Dload.total=" + total, "-Dload.rate=" + rate, "-Dload.timeoutMs=" + timeout, "-Dload.servers=b,c"));
    return Server.java("leave-" + name, jvm, List.of("-cp", System.getProperty("java.class.path"), LeaveLoadNode.class.getName(), kind, role,
        file.toString()), Path.of("."), dir.resolve(name + ".log"), Map.of());
  }

  /** Polls the server's log every 20 ms for {@code pattern}; fails with the log's end after {@code timeoutMs}. */
  private static Matcher awaitLine(Server server, Pattern pattern, long timeoutMs) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (System.nanoTime() < until) {
      Matcher m = pattern.matcher(server.logText());
      if (m.find()) {
        return m;
      }
      server.checkAlive();
      Thread.sleep(20);
    }
    String text = server.logText();
    throw new IllegalStateException("no line " + pattern + " within " + timeoutMs + " ms; end of the log:\n"
        + text.substring(Math.max(0, text.length() - 3000)));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
