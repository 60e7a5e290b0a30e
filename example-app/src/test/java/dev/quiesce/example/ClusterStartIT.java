package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.JvmProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clustered example-app JVM started with a bad cluster configuration: never a hang past
 * {@code lifecycle.startTimeout}. An invalid value exits 78 naming its JSON path; a member port in use
 * exits 1 naming {@code host:port}; members that cannot be joined (nothing listens, or another cluster
 * name) give a node of its own whose start line names the cluster and warns of each member it could
 * not join.
 */
class ClusterStartIT {

  private static final Duration EXIT = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void anInvalidClusterValueExits78NamingItsPath() throws Exception {
    JsonObject config = node("invalid", List.of());
    config.getJsonObject("cluster").put("port", 70000).put("host", "0.0.0.0");

    try (ExampleAppFixture app = new ExampleAppFixture(Files.createDirectories(dir.resolve("invalid")), config)) {
      app.launch(Path.of(System.getProperty("java.home")));
      int code = app.app.awaitExit(EXIT);

      assertThat(code).as("exit code; output:\n%s", app.app.output()).isEqualTo(78);
      assertThat(app.app.output()).contains("cluster.port").contains("cluster.host")
          .contains("would bind every address").doesNotContain("quiesce started");
    }
  }

  @Test
  void aMemberPortInUseExits1NamingHostAndPortAtOnce() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      JsonObject config = node("taken", List.of());
      config.getJsonObject("cluster").put("port", taken.getLocalPort());
      try (ExampleAppFixture app = new ExampleAppFixture(Files.createDirectories(dir.resolve("taken")), config)) {
        app.launch(Path.of(System.getProperty("java.home")));
        int code = app.app.awaitExit(EXIT);

        assertThat(code).as("exit code; output:\n%s", app.app.output()).isEqualTo(1);
        assertThat(app.app.output()).contains("cluster.port: Hazelcast cannot listen on 127.0.0.1:"
            + taken.getLocalPort()).doesNotContain("quiesce started");
      }
    }
  }

  @Test
  void membersItCannotJoinGiveANodeOfItsOwnWithAStartLineWarningWellWithinTheStartTimeout() throws Exception {
    ClusterNodes.Node other;
    try (ClusterNodes otherCluster = ClusterNodes.of(dir.resolve("other"), 1)) {
      other = otherCluster.node(1).start();
      String nobody = "127.0.0.1:" + ExampleAppFixture.freePort();
      JsonObject config = node("mine", List.of(other.member(), nobody));
      // the join's bound: a third of it, 10 s; the whole start (Vert.x, then the application) within it
      config.getJsonObject("lifecycle").put("startTimeout", "30s");
      try (ExampleAppFixture app = new ExampleAppFixture(Files.createDirectories(dir.resolve("mine")), config)) {
        long launched = System.nanoTime();
        app.launch(Path.of(System.getProperty("java.home")));
        String line = app.app.awaitLine("quiesce started pid=.*", ClusterNodes.START).group();
        long tookMs = (System.nanoTime() - launched) / 1_000_000;

        assertThat(tookMs).as("from launch to the start line: the join (10 s at most) and the start, with room for"
            + " a loaded machine").isLessThan(60_000);
        assertThat(line).contains("cluster \"" + config.getJsonObject("cluster").getString("name") + "\" node ")
            .containsPattern("members 1 \\[127\\.0\\.0\\.1:\\d+ \\(this\\)\\]")
            .contains("WARNING: could not join cluster.members ")
            .contains(other.member() + " (answers, but did not join: a member still starting (it joins later), one of"
                + " another cluster.name")
            .contains(nobody + " (nothing listens there)");
        assertThat(app.get("/hello").statusCode()).isEqualTo(200);
        JvmProcess.Exit exit = app.app.stop("TERM", EXIT);
        assertThat(exit.code()).isZero();
      }
      assertThat(other.members()).as("the other cluster never took it in").isEqualTo(1);
    }
  }

  /** A single node's configuration in a cluster of its own name ({@code suffix} makes it unique). */
  private JsonObject node(String suffix, List<String> members) throws IOException {
    Path nodeDir = Files.createDirectories(dir.resolve(suffix));
    return ClusterNodes.nodeConfig(nodeDir, "start-" + ProcessHandle.current().pid() + "-" + suffix,
        ExampleAppFixture.freePort(), members);
  }
}
