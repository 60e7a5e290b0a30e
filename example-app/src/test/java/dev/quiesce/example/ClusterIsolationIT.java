package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.JvmProcess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lifecycle traffic is node-local in a cluster: three example-app JVMs form a cluster on 127.0.0.1;
 * one of them is stopped with TERM; the other two see nothing of its stop on their own lifecycle
 * event streams (no state change, no phase, no report), stay RUNNING and ready, and the stopped
 * node's own report is complete.
 */
class ClusterIsolationIT {

  @TempDir
  Path dir;

  @Test
  void aStopOfOneNodeReachesNoOtherNode() throws Exception {
    try (ClusterNodes cluster = ClusterNodes.of(dir, 3)) {
      cluster.startAll().awaitMembers(3);
      assertThat(cluster.nodes().stream().map(ClusterNodes.Node::nodeId).distinct()).as("three node ids").hasSize(3);
      ClusterNodes.Node stopped = cluster.node(2);
      List<ClusterNodes.Node> others = List.of(cluster.node(1), cluster.node(3));
      try (LifecycleEvents one = LifecycleEvents.follow(cluster.node(1).app.client, cluster.node(1).app.managementPort);
          LifecycleEvents three = LifecycleEvents.follow(cluster.node(3).app.client,
              cluster.node(3).app.managementPort);
          LifecycleEvents own = LifecycleEvents.follow(stopped.app.client, stopped.app.managementPort)) {
        JvmProcess.Exit exit = stopped.stop("TERM", Duration.ofSeconds(60));
        assertThat(exit.code()).as("exit code of the stopped node; its output:\n%s", stopped.jvm().output()).isZero();
        others.forEach(n -> n.awaitMembers(2));

        // the stopped node's own stream saw its whole stop, and its report is complete
        assertThat(own.received()).extracting(e -> e.getString("type")).contains("state", "phase-start", "phase-end",
            "report");
        JsonObject report = stopped.app.report();
        assertThat(report.getString("outcome")).isEqualTo("graceful");
        assertThat(report.getJsonArray("phases").stream().map(p -> ((JsonObject) p).getString("phase")))
            .containsExactly("announce", "drain", "jobs", "terminate", "close");
        assertThat(report.getJsonArray("children")).hasSize(2);

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
      }
    }
  }
}
