package dev.quiesce.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.JvmProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real JVMs on 127.0.0.1 (TCP-IP join, free Hazelcast ports, a cluster name of this test's
 * own): node A sends request/reply messages at a steady rate to {@value LeaveLoadNode#ADDRESS},
 * served by B and C; B is stopped with TERM. With Quiesce nodes, no request fails or times out and
 * B's stop report has the {@code cluster} participant in its phases and, once B has left, the {@code cluster}
 * part with the leave's time. The anchor, plain clustered Vert.x servers that only
 * call {@code vertx.close()} on TERM, is measured beside it by {@code bench/run.sh cluster-leave}
 * (the same nodes); the run prints one {@code FIGURE} line (docs/BENCHMARKS.md, "A node leaving").
 */
@Tag("e2e")
class NodeLeaveEndToEndTest {

  private static final int TOTAL = Integer.getInteger("quiesce.leaveTotal", 3000);
  private static final int RATE = Integer.getInteger("quiesce.leaveRate", 400);

  @TempDir
  Path dir;

  private final List<JvmProcess> jvms = new ArrayList<>();

  @AfterEach
  void endEveryJvm() {
    jvms.forEach(JvmProcess::close);
  }

  /** What the sender got, and how B's stop went. */
  record Run(JsonObject load, JvmProcess.Exit leave, JsonObject report) {
  }

  @Test
  void aQuiesceNodeStoppedWithTermUnderLoadLosesNoRequest() throws Exception {
    Run run = run("quiesce");

    assertThat(run.leave().code()).isZero();
    assertThat(run.load().getInteger("failed")).as("failed requests: %s", run.load()).isZero();
    assertThat(run.load().getInteger("replies")).isEqualTo(TOTAL);
    assertThat(run.load().getJsonObject("byNode").getInteger("c")).isGreaterThan(TOTAL / 3);
    JsonObject cluster = participant(run.report(), "announce");
    assertThat(cluster.getJsonArray("addresses").getList()).contains(LeaveLoadNode.ADDRESS);
    assertThat(cluster.getJsonObject("nodes").size()).isEqualTo(2);
    // confirmed by each node's selector, or (a node too busy to answer within 1 s) after the quiet period:
    // either way nothing was lost or failed, which is what counts; "selector" is the usual case
    cluster.getJsonObject("nodes").forEach(n -> assertThat(((JsonObject) n.getValue()).getString("by"))
        .as("how node %s confirmed: %s", n.getKey(), n.getValue()).isIn("selector", "quiet-period"));
    assertThat(cluster.getLong("confirmedAt")).isGreaterThanOrEqualTo(cluster.getLong("withdrawnAt"));
    assertThat(cluster.getLong("lost")).isZero();
    assertThat(participant(run.report(), "close").getLong("lost")).isZero();
    // added to the report file once B had left the cluster, after the report
    JsonObject part = run.report().getJsonObject("cluster");
    assertThat(part).as("the report's cluster part: %s", run.report()).isNotNull();
    assertThat(part.getLong("withdrawnAt")).isEqualTo(cluster.getLong("withdrawnAt"));
    assertThat(part.getLong("lost")).isZero();
    assertThat(part.getLong("leftAt")).isGreaterThanOrEqualTo(run.report().getLong("end"));
    assertThat(part.getLong("leaveTookMs")).isNotNegative();
  }


  private Run run(String servers) throws Exception {
    int[] ports = {freePort(), freePort(), freePort()};
    String name = "leave-e2e-" + ProcessHandle.current().pid() + "-" + servers;
    JvmProcess a = node("quiesce", "send", "a", ports, 0, name);
    JvmProcess b = node(servers, "serve", "b", ports, 1, name);
    node(servers, "serve", "c", ports, 2, name);
    a.awaitLine("LOAD started", Duration.ofSeconds(180));
    a.awaitLine("LOAD progress " + (TOTAL / 6 / 250 * 250), Duration.ofSeconds(60));
    JvmProcess.Exit leave = b.stop("TERM", Duration.ofSeconds(60));
    String done = a.awaitLine("LOAD done (\\{.*})", Duration.ofSeconds(TOTAL / RATE + 60)).group(1);
    JsonObject load = new JsonObject(done);
    Path reportFile = dir.resolve("report-b.json");
    JsonObject report = Files.exists(reportFile) ? new JsonObject(Files.readString(reportFile)) : new JsonObject();
    JsonObject figure = new JsonObject().put("servers", servers).put("total", TOTAL).put("rate", RATE)
        .put("failed", load.getInteger("failed")).put("failures", load.getJsonObject("failures"))
        .put("byNode", load.getJsonObject("byNode")).put("exitCode", leave.code())
        .put("termToExitMs", leave.tookMs());
    if (!report.isEmpty()) {
      JsonObject cluster = participant(report, "announce");
      figure.put("termToWithdrawnMs", cluster.getLong("withdrawnAt") - report.getLong("start"))
          .put("termToConfirmedMs", cluster.getLong("confirmedAt", -1L) - report.getLong("start"))
          .put("stragglers", participant(report, "close").getLong("stragglers"))
          .put("lost", participant(report, "close").getLong("lost"));
      if (report.getValue("cluster") instanceof JsonObject part && part.containsKey("leftAt")) {
        figure.put("termToLeftMs", part.getLong("leftAt") - report.getLong("start"))
            .put("leaveTookMs", part.getLong("leaveTookMs")).put("lostBeforeLeaving", part.getLong("lost"));
      }
    }
    System.out.println("FIGURE " + figure.encode());
    return new Run(load, leave, report);
  }

  private static JsonObject participant(JsonObject report, String phase) {
    for (Object p : report.getJsonArray("phases")) {
      JsonObject json = (JsonObject) p;
      if (json.getString("phase").equals(phase)) {
        for (Object o : json.getJsonArray("participants")) {
          if ("cluster".equals(((JsonObject) o).getString("participant"))) {
            return ((JsonObject) o).getJsonObject("detail");
          }
        }
      }
    }
    throw new AssertionError("no participant cluster in phase " + phase + ": " + report.encode());
  }

  private JvmProcess node(String kind, String role, String nodeName, int[] ports, int index, String cluster)
      throws IOException {
    Path file = LeaveLoadNode.writeConfig(dir, cluster, ports, index, nodeName);
    JvmProcess jvm = JvmProcess.start(dir, List.of("-Xmx256m", "-Dnode.name=" + nodeName,
        "-Dload.total=" + TOTAL, "-Dload.rate=" + RATE, "-Dload.servers=b,c"),
        LeaveLoadNode.class.getName(), List.of(kind, role, file.toString()), Map.of());
    jvms.add(jvm);
    return jvm;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
