package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lifecycle traffic is node-local in a cluster: three example-app JVMs form a cluster on 127.0.0.1,
 * with a fourth, plain clustered JVM ({@link LifecycleProbeNode}) listening with cluster-wide
 * {@code consumer()}s on every lifecycle address; one example node is stopped with TERM. The probe
 * receives none of its lifecycle messages (a publisher that sent them cluster-wide would reach it),
 * though it does receive that node's cluster-wide fleet events; the other two see nothing of the stop
 * on their own lifecycle event streams (no state change, no phase, no report), stay RUNNING and ready,
 * and the stopped node's own report is complete.
 */
class ClusterIsolationIT {

  @TempDir
  Path dir;

  @Test
  void aStopOfOneNodeReachesNoOtherNode() throws Exception {
    try (ClusterNodes cluster = ClusterNodes.of(dir, 3)) {
      cluster.startAll().awaitMembers(3);
      assertThat(cluster.nodes().stream().map(ClusterNodes.Node::nodeId).distinct()).as("three node ids").hasSize(3);
      JvmProcess probe = JvmProcess.start(Files.createDirectories(dir.resolve("probe")), List.of("-Xmx128m"),
          LifecycleProbeNode.class.getName(), List.of(cluster.name, String.valueOf(ExampleAppFixture.freePort()),
              String.join(",", cluster.nodes().stream().map(ClusterNodes.Node::member).toList())), Map.of());
      try {
        probe.awaitLine("PROBE ready", ClusterNodes.START);
        cluster.awaitMembers(4);
        stopOneNode(cluster, probe);
      } finally {
        probe.close();
      }
    }
  }

  /** Stops node 2 with TERM; the probe and nodes 1 and 3 must hear nothing of its lifecycle. */
  private static void stopOneNode(ClusterNodes cluster, JvmProcess probe) throws Exception {
    ClusterNodes.Node stopped = cluster.node(2);
    List<ClusterNodes.Node> others = List.of(cluster.node(1), cluster.node(3));
    try (LifecycleEvents one = LifecycleEvents.follow(cluster.node(1).app.client, cluster.node(1).app.managementPort);
        LifecycleEvents three = LifecycleEvents.follow(cluster.node(3).app.client,
            cluster.node(3).app.managementPort);
        LifecycleEvents own = LifecycleEvents.follow(stopped.app.client, stopped.app.managementPort)) {
      JvmProcess.Exit exit = stopped.stop("TERM", Duration.ofSeconds(60));
      assertThat(exit.code()).as("exit code of the stopped node; its output:\n%s", stopped.jvm().output()).isZero();
      others.forEach(n -> n.awaitMembers(3));

      // the stopped node's own stream saw its whole stop, and its report is complete (the stream is read on
      // its own thread: the node's exit does not mean every line has been read)
      own.await("the report event", e -> "report".equals(e.getString("type")));
      assertThat(own.received()).extracting(e -> e.getString("type")).contains("state", "phase-start", "phase-end",
          "report");
      JsonObject report = stopped.app.report();
      assertThat(report.getString("outcome")).isEqualTo("graceful");
      assertThat(report.getJsonArray("phases").stream().map(p -> ((JsonObject) p).getString("phase")))
          .containsExactly("announce", "drain", "jobs", "terminate", "close");
      assertThat(report.getJsonArray("children")).hasSize(2);
      JsonObject part = report.getJsonObject("cluster");
      assertThat(part).as("the report's cluster part, added once the node had left: %s", report).isNotNull();
      assertThat(part.getLong("withdrawnAt")).isBetween(report.getLong("start"), report.getLong("end"));
      assertThat(part.getLong("leftAt")).isGreaterThanOrEqualTo(report.getLong("end"));
      assertThat(part.getLong("lost")).isZero();

      // the others heard nothing of it: no lifecycle event beyond the stream's first status
      for (LifecycleEvents events : List.of(one, three)) {
        assertThat(events.received()).as("lifecycle events on another node")
            .allSatisfy(e -> assertThat(e.getString("type")).isEqualTo("status"));
      }
      for (ClusterNodes.Node other : others) {
        assertThat(other.app.status().getString("state")).as("state of node %d", other.number)
            .isEqualTo("RUNNING");
        assertThat(other.app.get("/hello").statusCode()).as("HTTP of node %d", other.number).isEqualTo(200);
        assertThat(other.jvm().output()).as("node %d's log", other.number).doesNotContain("stop begins");
      }

      // the probe's cluster-wide consumers: the stopped node's fleet events reached it, no lifecycle message did
      String stoppedId = stopped.nodeId();
      try {
        Await.until("the probe received the stopped node's fleet events", Duration.ofSeconds(30),
            () -> probe.output().lines().anyMatch(l -> l.startsWith("PROBE fleet ") && l.contains(stoppedId)));
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + " (node " + stoppedId + "); the probe's output:\n" + probe.output()
            + "\nthe stopped node's output:\n" + stopped.jvm().output(), e);
      }
      assertThat(probe.output().lines().filter(l -> l.startsWith("PROBE lifecycle ")))
          .as("lifecycle messages on the probe's cluster-wide consumers").isEmpty();
    }
  }
}
