package dev.quiesce.example;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the built fat jar as its own JVM with a configuration made for one test: the shipped
 * {@code conf/config.json} with free ports, its own report file, the workers' and the cache's scripts
 * by absolute path and shorter clean-up times. {@link #ExampleAppFixture(Path)} leaves the {@code cache} (and the {@code indexer})
 * group out (the tests written before it count the workers' children alone);
 * {@link #asShipped(Path)} keeps every group.
 */
final class ExampleAppFixture implements AutoCloseable {

  static final Duration START = Duration.ofSeconds(60);
  static final String STARTED = "quiesce started pid=(\\d+)";

  final Path dir;
  final int httpPort;
  final int managementPort;
  final JsonObject config;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  /** The JVM's environment besides the test's own (e.g. {@code NOTIFY_SOCKET}). */
  Map<String, String> env = Map.of();
  JvmProcess app;

  ExampleAppFixture(Path dir) throws IOException {
    this(dir, false);
  }

  /** Every process group of the shipped configuration, the {@code cache} the workers depend on included. */
  static ExampleAppFixture asShipped(Path dir) throws IOException {
    return new ExampleAppFixture(dir, true);
  }

  private ExampleAppFixture(Path dir, boolean withCache) throws IOException {
    this(dir, shipped(dir, withCache));
  }

  /**
   * Runs {@code config} as it is (a cluster node's, say): the ports are its {@code http.port} and
   * {@code management.port}, the report its {@code lifecycle.reportFile}; the JVM runs in {@code dir}.
   */
  ExampleAppFixture(Path dir, JsonObject config) {
    this.dir = dir;
    this.config = config;
    this.httpPort = config.getJsonObject("http").getInteger("port");
    this.managementPort = config.getJsonObject("management").getInteger("port");
  }

  /** The shipped {@code conf/config.json} with free ports, the report in {@code dir}, the scripts by absolute path. */
  private static JsonObject shipped(Path dir, boolean withCache) throws IOException {
    JsonObject conf = new JsonObject(Files.readString(Path.of("conf/config.json")));
    conf.getJsonObject("lifecycle").put("reportFile", dir.resolve("report.json").toString());
    conf.getJsonObject("http").put("port", freePort());
    conf.getJsonObject("management").put("port", freePort());
    JsonObject workers = conf.getJsonArray("processes").getJsonObject(0);
    workers.put("command", new JsonArray().add("sh").add(System.getProperty("example.worker")));
    workers.getJsonObject("env").put("WORKER_CLEANUP_SECONDS", "0.5");
    if (withCache) {
      JsonObject cache = group(conf, "cache");
      cache.put("command", new JsonArray().add("sh").add(System.getProperty("example.cache")));
      cache.getJsonObject("env").put("CACHE_WARMUP_SECONDS", "0.2").put("CACHE_FLUSH_SECONDS", "0.3");
      JsonObject indexer = group(conf, "indexer");
      JsonArray command = indexer.getJsonArray("command");
      command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.set(command.getList().indexOf("example-app/target/example-app.jar"), System.getProperty("example.jar"));
    } else {
      workersOnly(conf);
    }
    return conf;
  }

  /**
   * Keeps only the {@code workers} group of {@code conf}: takes the {@code cache} it depends on, the
   * {@code indexer} (the notify worker) and the workers' dependency out.
   */
  static JsonObject workersOnly(JsonObject conf) {
    JsonArray groups = conf.getJsonArray("processes");
    groups.remove(group(conf, "cache"));
    groups.remove(group(conf, "indexer"));
    groups.stream().map(JsonObject.class::cast).forEach(g -> g.remove("dependsOn"));
    return conf;
  }

  /** The process group named {@code name} of {@code conf}. */
  static JsonObject group(JsonObject conf, String name) {
    return conf.getJsonArray("processes").stream().map(JsonObject.class::cast)
        .filter(g -> name.equals(g.getString("name"))).findFirst()
        .orElseThrow(() -> new IllegalStateException("no process group " + name + " in " + conf.encode()));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  JsonObject workers() {
    return config.getJsonArray("processes").getJsonObject(0);
  }

  ExampleAppFixture start() throws IOException {
    return start(Path.of(System.getProperty("java.home")));
  }

  /** Starts the fat jar with the JDK in {@code javaHome}. */
  ExampleAppFixture start(Path javaHome) throws IOException {
    launch(javaHome);
    app.awaitLine(STARTED, START);
    return this;
  }

  /**
   * Writes {@link #config} to {@code dir/config.json} and starts the fat jar on it with the JDK in
   * {@code javaHome}, without waiting for its start line.
   */
  ExampleAppFixture launch(Path javaHome) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, config.encodePrettily());
    app = JvmProcess.startJar(javaHome, dir, List.of("-Xmx256m"), Path.of(System.getProperty("example.jar")),
        List.of("--config", file.toString()), env);
    return this;
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * {@code POST /lifecycle/<command>} on the management port with {@code management.token}: 202 when
   * accepted, 409 when refused.
   */
  HttpResponse<String> command(String command) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/lifecycle/"
        + command)).header("Authorization", "Bearer " + config.getJsonObject("management").getString("token"))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Ends a process this test started by another way than {@link #start} (an upgrade's successor):
   * TERM, then waits up to 30 s for it to exit; nothing when {@code pid} is negative or gone.
   */
  static void endByPid(long pid) throws Exception {
    Optional<ProcessHandle> p = pid < 0 ? Optional.empty() : ProcessHandle.of(pid);
    if (p.isPresent()) {
      JvmProcess.kill("TERM", pid);
      Await.until("pid " + pid + " exits", Duration.ofSeconds(30), () -> !p.get().isAlive());
    }
  }

  JsonObject status() throws IOException, InterruptedException {
    return new JsonObject(client.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + managementPort + "/lifecycle/status")).timeout(Duration.ofSeconds(5))
        .build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  JsonObject report() throws IOException {
    return new JsonObject(Files.readString(dir.resolve("report.json")));
  }

  @Override
  public void close() {
    if (app != null) {
      app.close();
    }
  }
}
