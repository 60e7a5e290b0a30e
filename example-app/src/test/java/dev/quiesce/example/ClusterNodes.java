package dev.quiesce.example;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * A cluster of example-app JVMs (the built fat jar) on 127.0.0.1, for end-to-end tests: each node
 * runs {@code conf/cluster-node-1.json} (the shipped clustered configuration) with free HTTP,
 * management and Hazelcast ports, its own directory and report file, the workers' script by absolute
 * path, and a cluster name no other test uses (the test JVM's pid and a counter), its
 * {@code cluster.members} being every other node. Nodes are numbered from 1.
 *
 * <p>Use: {@code try (ClusterNodes cluster = ClusterNodes.of(dir, 3)) { cluster.node(2).config... ;
 * cluster.startAll().awaitMembers(3); ... }}. A node's {@link Node#config} may be changed before it
 * is launched. {@link #close()} kills (by pid) every JVM still alive; nothing else is ever signalled.
 */
final class ClusterNodes implements AutoCloseable {

  /** How long a node may take to print its start line (a cluster forms in 5-15 s on a busy machine). */
  static final Duration START = Duration.ofSeconds(90);
  /** The cluster part of the start line: {@code cluster "<name>" node <nodeId> members <n> [...]}. */
  static final Pattern START_LINE_CLUSTER = Pattern.compile("cluster \"([^\"]*)\" node (\\S+) members (\\d+) ");
  /** Hazelcast's membership line, logged at each change: {@code Members {size:3, ver:3} [}. */
  static final Pattern MEMBERS = Pattern.compile("Members \\{size:(\\d+), ver:(\\d+)\\}");

  private static final AtomicInteger CLUSTERS = new AtomicInteger();

  /** The cluster's {@code cluster.name}, unique to this test JVM. */
  final String name;
  private final List<Node> nodes = new ArrayList<>();

  private ClusterNodes(Path dir, int count) throws IOException {
    this.name = "test-" + ProcessHandle.current().pid() + "-" + CLUSTERS.incrementAndGet();
    int[] hazelcastPorts = new int[count];
    for (int i = 0; i < count; i++) {
      hazelcastPorts[i] = ExampleAppFixture.freePort();
    }
    for (int i = 0; i < count; i++) {
      int self = i;
      List<String> others = IntStream.range(0, count).filter(j -> j != self)
          .mapToObj(j -> "127.0.0.1:" + hazelcastPorts[j]).toList();
      Path nodeDir = Files.createDirectories(dir.resolve("node-" + (i + 1)));
      nodes.add(new Node(i + 1, nodeDir, nodeConfig(nodeDir, name, hazelcastPorts[i], others)));
    }
  }

  /**
   * {@code count} nodes, configured and not started.
   *
   * @param dir a directory of the test's own (each node gets {@code dir/node-N})
   * @param count how many nodes
   */
  static ClusterNodes of(Path dir, int count) throws IOException {
    return new ClusterNodes(dir, count);
  }

  /**
   * The configuration of one node: {@code conf/cluster-node-1.json} with free ports, in
   * {@code nodeDir}, in cluster {@code name}, joining {@code members}.
   */
  static JsonObject nodeConfig(Path nodeDir, String name, int hazelcastPort, List<String> members)
      throws IOException {
    JsonObject conf = new JsonObject(Files.readString(Path.of("conf/cluster-node-1.json")));
    conf.getJsonObject("lifecycle").put("reportFile", nodeDir.resolve("report.json").toString());
    conf.getJsonObject("http").put("port", ExampleAppFixture.freePort());
    conf.getJsonObject("management").put("port", ExampleAppFixture.freePort());
    conf.getJsonObject("cluster").put("name", name).put("port", hazelcastPort).put("members", new JsonArray(members));
    JsonObject workers = ExampleAppFixture.group(conf, "workers");
    workers.put("command", new JsonArray().add("sh").add(System.getProperty("example.worker")));
    workers.getJsonObject("env").put("WORKER_CLEANUP_SECONDS", "0.5");
    return conf;
  }

  /** Node {@code number}, from 1. */
  Node node(int number) {
    return nodes.get(number - 1);
  }

  /** Every node, in order. */
  List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /** Launches every node at once (without waiting), then waits for each one's start line. */
  ClusterNodes startAll() throws IOException {
    for (Node node : nodes) {
      node.launch();
    }
    for (Node node : nodes) {
      node.awaitStarted();
    }
    return this;
  }

  /** Waits until every node whose JVM is alive sees {@code size} members (itself included). */
  ClusterNodes awaitMembers(int size) {
    for (Node node : nodes) {
      if (node.isAlive()) {
        node.awaitMembers(size);
      }
    }
    return this;
  }

  /** Kills (by pid) every node's JVM that is still alive. */
  @Override
  public void close() {
    nodes.forEach(Node::close);
  }

  /** One node: its ports, configuration, and (once launched) its JVM, driven through {@link ExampleAppFixture}. */
  static final class Node implements AutoCloseable {

    /** The node's number, from 1. */
    final int number;
    /** Its Hazelcast member port on 127.0.0.1. */
    final int hazelcastPort;
    /** The fixture that writes its configuration, starts its JVM and talks to its HTTP and management ports. */
    final ExampleAppFixture app;

    private Node(int number, Path dir, JsonObject config) {
      this.number = number;
      this.hazelcastPort = config.getJsonObject("cluster").getInteger("port");
      this.app = new ExampleAppFixture(dir, config);
    }

    /** The configuration it runs: change it before {@link #launch()}. */
    JsonObject config() {
      return app.config;
    }

    /** {@code 127.0.0.1:<hazelcastPort>}, as other nodes' {@code members} name it. */
    String member() {
      return "127.0.0.1:" + hazelcastPort;
    }

    /** Starts its JVM without waiting for the start line. */
    Node launch() throws IOException {
      app.launch(Path.of(System.getProperty("java.home")));
      return this;
    }

    /** Waits for the start line (up to {@link #START}); returns it whole. */
    String awaitStarted() {
      Matcher line = app.app.awaitLine("quiesce started pid=.*", START);
      return line.group();
    }

    /**
     * Its Vert.x cluster node id (the one fleet events carry), as its start line names it; waits for the
     * start line (up to {@link #START}).
     */
    String nodeId() {
      Matcher m = START_LINE_CLUSTER.matcher(awaitStarted());
      if (!m.find()) {
        throw new AssertionError("node " + number + "'s start line names no cluster node: " + awaitStarted());
      }
      return m.group(2);
    }

    /** Launches it and waits for its start line. */
    Node start() throws IOException {
      launch();
      awaitStarted();
      return this;
    }

    /** The JVM, once launched. */
    JvmProcess jvm() {
      return app.app;
    }

    boolean isAlive() {
      return app.app != null && app.app.isAlive();
    }

    /** The size of the last membership Hazelcast logged in this node, or 0 when none yet. */
    int members() {
      int size = 0;
      Matcher m = MEMBERS.matcher(app.app.output());
      while (m.find()) {
        size = Integer.parseInt(m.group(1));
      }
      return size;
    }

    /** Waits (up to {@link #START}) until this node's last logged membership has {@code size} members. */
    void awaitMembers(int size) {
      try {
        Await.until("node " + number + " sees " + size + " members", START, () -> members() == size);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; output of node " + number + ":\n" + app.app.output(), e);
      }
    }

    /** Sends {@code signal} and waits up to {@code timeout} for the exit. */
    JvmProcess.Exit stop(String signal, Duration timeout) throws IOException, InterruptedException {
      return app.app.stop(signal, timeout);
    }

    /** Kills its JVM (by pid) when still alive. */
    @Override
    public void close() {
      app.close();
    }
  }
}
