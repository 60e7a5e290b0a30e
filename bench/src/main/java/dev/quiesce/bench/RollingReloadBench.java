package dev.quiesce.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Cluster, rolling reload: three clustered example-app JVMs (conf/cluster-node-{1,2,3}.json with free
 * ports and a cluster name of the run's own, all on 127.0.0.1); per round, each node reloaded on its own
 * ({@code POST /lifecycle/reload?wait=true}, one after the other, the times summed), then one rolling
 * reload of the three ({@code POST /fleet/reload} on node 1, until its report is in
 * {@code /fleet/status}). No load: the figure is the operation's own cost.
 */
final class RollingReloadBench {

  static final Set<String> OPTIONS = Set.of("rounds", "jvm", "out");
  static final Set<String> FLAGS = Set.of();
  static final String TOKEN = "example-token-change-me";

  private RollingReloadBench() {
  }

  record Round(List<Double> singleMs, double rollingMs, double reportMs, String outcome) {
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 3);
    List<String> jvm = o.list("jvm");
    String cluster = "bench-" + Bench.TAG;
    int[] hazelcast = {freePort(), freePort(), freePort()};
    int[] http = {freePort(), freePort(), freePort()};
    int[] management = {freePort(), freePort(), freePort()};
    report.add(String.format(Locale.ROOT, "Servers: three `java %s -jar %s --config example-app/conf/cluster-node-N.json`"
        + " (2 HTTP instances and 2 worker children each; reload restarts the workers) with free ports, cluster %s,"
        + " all on 127.0.0.1. Per round: each node reloaded alone (`POST /lifecycle/reload?wait=true`, one after the"
        + " other; the sum), then a rolling reload of the three (`POST /fleet/reload` on node 1 until its report is"
        + " in `/fleet/status`, polled every 20 ms). %d rounds, no load.", String.join(" ", jvm), Bench.EXAMPLE_JAR,
        cluster, rounds));
    report.add("");
    List<Server> servers = new ArrayList<>();
    List<Round> done = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        JsonArray members = new JsonArray();
        for (int j = 0; j < 3; j++) {
          if (j != i) {
            members.add("127.0.0.1:" + hazelcast[j]);
          }
        }
        List<String> flags = new ArrayList<>(jvm);
        flags.addAll(List.of("-Dquiesce.http.port=" + http[i], "-Dquiesce.management.port=" + management[i],
            "-Dquiesce.cluster.port=" + hazelcast[i], "-Dquiesce.cluster.name=" + cluster,
            "-Dquiesce.cluster.members=" + members.encode(),
            "-Dquiesce.lifecycle.reportFile=" + report.file("stop-report-node-" + (i + 1) + ".json").toAbsolutePath()));
        servers.add(Server.java("node-" + (i + 1), flags, List.of("-jar", Bench.EXAMPLE_JAR, "--config",
            "example-app/conf/cluster-node-" + (i + 1) + ".json"), Path.of("."),
            report.file("server-node-" + (i + 1) + ".log"), Map.of()));
      }
      for (int i = 0; i < 3; i++) {
        Http.awaitOk(servers.get(i), management[i], "/health/ready", 120_000, 50);
      }
      awaitFleet(management[0], 120_000);
      for (int r = 1; r <= rounds; r++) {
        List<Double> single = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          long t0 = System.nanoTime();
          Http.Response answer = Http.request("POST", management[i], "/lifecycle/reload?wait=true", TOKEN, 120_000);
          single.add((System.nanoTime() - t0) / 1e6);
          if (answer.status() != 200 || !answer.body().contains("\"done\"")) {
            throw new IllegalStateException("node " + (i + 1) + " reload: " + answer.status() + " " + answer.body());
          }
        }
        long t0 = System.nanoTime();
        Http.Response started = Http.request("POST", management[0], "/fleet/reload", TOKEN, 30_000);
        if (started.status() != 202) {
          throw new IllegalStateException("fleet reload: " + started.status() + " " + started.body());
        }
        String id = new JsonObject(started.body()).getString("id");
        JsonObject end = awaitReport(management[0], id, 300_000);
        double rolling = (System.nanoTime() - t0) / 1e6;
        Round round = new Round(single, rolling, end.getLong("endedAt") - end.getLong("startedAt"),
            end.getString("outcome"));
        done.add(round);
        report.progress(String.format(Locale.ROOT, "round %d: single reloads %s ms (sum %.0f) | rolling reload %.0f ms"
            + " (report %.0f ms, %s)", r, single.stream().map(d -> String.format(Locale.ROOT, "%.0f", d)).toList(),
            sum(single), rolling, round.reportMs(), round.outcome()));
      }
    } finally {
      for (Server s : servers) {
        s.term();
      }
      for (Server s : servers) {
        s.stopQuietly(30_000);
      }
    }
    report.add("| round | node 1 alone | node 2 alone | node 3 alone | sum of the three | rolling reload of the three"
        + " (command to report) | its report's own duration | outcome |");
    report.add("|---|---|---|---|---|---|---|---|");
    for (int i = 0; i < done.size(); i++) {
      Round x = done.get(i);
      report.add(String.format(Locale.ROOT, "| %d | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %s |",
          i + 1, x.singleMs().get(0), x.singleMs().get(1), x.singleMs().get(2), sum(x.singleMs()), x.rollingMs(),
          x.reportMs(), x.outcome()));
    }
  }

  private static double sum(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).sum();
  }

  private static void awaitFleet(int port, long timeoutMs) throws InterruptedException {
    long until = System.nanoTime() + timeoutMs * 1_000_000;
    while (System.nanoTime() < until) {
      Http.Response r = Http.get(port, "/fleet/status", 20_000);
      if (r.status() == 200) {
        JsonArray nodes = new JsonObject(r.body()).getJsonArray("nodes");
        if (nodes.size() == 3 && nodes.stream().allMatch(n -> ((JsonObject) n).getBoolean("ready"))) {
          return;
        }
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the three nodes were not all ready in /fleet/status within " + timeoutMs + " ms");
  }

  private static JsonObject awaitReport(int port, String id, long timeoutMs) throws InterruptedException {
    long until = System.nanoTime() + timeoutMs * 1_000_000;
    while (System.nanoTime() < until) {
      Http.Response r = Http.get(port, "/fleet/status", 20_000);
      if (r.status() == 200) {
        JsonObject last = new JsonObject(r.body()).getJsonObject("lastOperation");
        if (last != null && id.equals(last.getString("id"))) {
          return last;
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("no report of " + id + " within " + timeoutMs + " ms");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
