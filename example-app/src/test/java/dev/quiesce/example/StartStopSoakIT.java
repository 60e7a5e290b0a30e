package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.config.ConfigLoader;
import dev.quiesce.launcher.ApplicationContext;
import dev.quiesce.launcher.VertxOptionsContributor;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.StopReport;
import dev.quiesce.process.ProcessManagerOptions;
import dev.quiesce.process.ProcessManagerVerticle;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.ProcFs;
import dev.quiesce.web.QuiesceWeb;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded soak: 50 start/stop cycles of the example application in this JVM, each as the launcher
 * runs it (a fresh Vert.x with the contributed options, the lifecycle coordinator on a worker, the
 * process manager with its two worker children and guardian, the management listener and the HTTP
 * server), under load, stopped through the event bus, then Vert.x closed. Afterwards no process,
 * file descriptor or thread is left over.
 *
 * <p>Counts are compared with those after two warm-up cycles (class loading, JIT, and the singletons
 * created once per JVM: the process manager's spawner thread, JNA's cleaner). The tolerances absorb
 * pools that grow and shrink on their own — the JDK's process-reaper threads live 60 s after their
 * last child, Netty's global executor thread 1 s — and are far below what a leak of one thread or
 * one descriptor per cycle would add (50).
 */
@Tag("slow")
class StartStopSoakIT {

  private static final int CYCLES = 50;
  private static final int WARM_UP = 2;
  private static final int THREAD_TOLERANCE = 10;
  private static final int FD_TOLERANCE = 10;
  private static final int CLIENTS = 4;

  @TempDir
  Path dir;

  private final String tag = "soak-" + UUID.randomUUID();

  @Test
  void fiftyStartStopCyclesUnderLoadLeaveNoProcessDescriptorOrThreadBehind() throws Exception {
    Vertx clients = Vertx.vertx();
    try {
      HttpClient client = clients.createHttpClient(new HttpClientOptions().setKeepAlive(true)
          .setConnectTimeout(2000), new PoolOptions().setHttp1MaxSize(CLIENTS));
      for (int i = 0; i < WARM_UP; i++) {
        cycle(clients, client, -1 - i);
      }
      Counts before = Counts.now(tag);
      long started = System.nanoTime();
      int served = 0;
      int failedAfterStop = 0;
      long inFlightAtStop = 0;
      Map<String, Integer> outcomes = new TreeMap<>();
      for (int i = 0; i < CYCLES; i++) {
        Cycle c = cycle(clients, client, i);
        served += c.served();
        failedAfterStop += c.failedAfterStop();
        outcomes.merge(c.outcome(), 1, Integer::sum);
        inFlightAtStop += c.report().getJsonArray("phases").stream().map(JsonObject.class::cast)
            .filter(p -> "drain".equals(p.getString("phase"))).flatMap(p -> p.getJsonArray("participants").stream())
            .map(JsonObject.class::cast).filter(o -> "http".equals(o.getString("participant")))
            .mapToLong(o -> o.getJsonObject("detail").getLong("inFlightAtStart")).sum();
        assertThat(c.outcome()).as("cycle %d: %s", i, c.report().encode()).isEqualTo("graceful");
        assertThat(c.failedBeforeStop()).as("cycle %d: requests failed before the stop", i).isZero();
      }
      long soakMs = (System.nanoTime() - started) / 1_000_000;

      Counts[] after = new Counts[1];
      try {
        Await.until("the counts settle back", Duration.ofSeconds(15), () -> {
          after[0] = Counts.now(tag);
          return after[0].fds() <= before.fds() + FD_TOLERANCE
              && after[0].threads() <= before.threads() + THREAD_TOLERANCE
              && after[0].processes().isEmpty() && after[0].children() <= before.children();
        });
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + ":\n" + before.diff(after[0]), e);
      }
      System.out.printf("soak: %d start/stop cycles in %d ms, %d requests served, %d in flight at the stops (all"
          + " drained), %d failed once stopping; outcomes %s; file descriptors %d -> %d, threads %d -> %d, child"
          + " processes %d -> %d, tagged processes left %d%n", CYCLES, soakMs, served, inFlightAtStop,
          failedAfterStop, outcomes, before.fds(),
          after[0].fds(), before.threads(), after[0].threads(), before.children(), after[0].children(),
          after[0].processes().size());
      assertThat(served).isGreaterThanOrEqualTo(CYCLES * 150);
      assertThat(inFlightAtStop).as("requests in flight when the stops began").isPositive();
    } finally {
      clients.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** What one cycle gave. */
  private record Cycle(JsonObject report, String outcome, int served, int failedBeforeStop, int failedAfterStop) {
  }

  private Cycle cycle(Vertx clients, HttpClient client, int n) throws Exception {
    int httpPort = ExampleAppFixture.freePort();
    Path file = dir.resolve("config.json");
    Files.writeString(file, config(httpPort, ExampleAppFixture.freePort()).encodePrettily());
    // as the launcher does: the configuration is read with a bootstrap Vert.x, closed before the application's starts
    Vertx bootstrap = Vertx.vertx();
    JsonObject config;
    try {
      config = Await.result(new ConfigLoader(bootstrap, file.toString(), Map.of(), new Properties())
          .load().map(l -> l.config()), Duration.ofSeconds(10));
    } finally {
      Await.result(bootstrap.close(), Duration.ofSeconds(10));
    }

    VertxOptions options = new VertxOptions();
    ServiceLoader.load(VertxOptionsContributor.class).forEach(c -> c.contribute(options, config));
    Vertx vertx = Vertx.vertx(options);
    try {
      LifecycleCoordinator coordinator = new LifecycleCoordinator(LifecycleConfig.from(config));
      Await.result(vertx.deployVerticle(coordinator, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
      ApplicationContext ctx = new Context(vertx, config);
      ProcessManagerOptions pm = new ProcessManagerOptions().setStateDir(dir.resolve("state"));
      Await.result(ctx.deploy(() -> new ProcessManagerVerticle(pm))
          .compose(v -> QuiesceWeb.deploy(ctx, ExampleRoutes::router)), Duration.ofSeconds(20));
      coordinator.markRunning();

      // load: CLIENTS loops of GET /work?ms=5, each bounded in count, until the stop begins (the requests
      // then in flight are drained)
      AtomicBoolean stopping = new AtomicBoolean();
      AtomicBoolean done = new AtomicBoolean();
      AtomicInteger served = new AtomicInteger();
      AtomicInteger failedBefore = new AtomicInteger();
      AtomicInteger failedAfter = new AtomicInteger();
      AtomicInteger loops = new AtomicInteger(CLIENTS);
      // started on an event loop, so that each request's chain is built before its answer can come (Vert.x
      // drops a response's chunks and end while it has no handler)
      vertx.runOnContext(v -> {
        for (int i = 0; i < CLIENTS; i++) {
          loop(client, httpPort, 0, stopping, done, served, failedBefore, failedAfter, loops);
        }
      });
      Await.until("cycle " + n + ": load flows", Duration.ofSeconds(10), () -> served.get() >= 150);
      stopping.set(true);
      vertx.eventBus().request(EventBusContract.COMMANDS, new JsonObject().put("command", "stop")
          .put("reason", "soak cycle " + n));
      JsonObject report = Await.result(coordinator.stopped().map(StopReport::toJson), Duration.ofSeconds(20));
      done.set(true);
      Await.until("cycle " + n + ": the load loops have ended", Duration.ofSeconds(10), () -> loops.get() == 0);
      return new Cycle(report, report.getString("outcome"), served.get(), failedBefore.get(), failedAfter.get());
    } finally {
      Await.result(vertx.close(), Duration.ofSeconds(20));
    }
  }

  /** One client loop: a request after the other, until the stop begins or 2,000 were sent. */
  private static void loop(HttpClient client, int port, int sent, AtomicBoolean stopping, AtomicBoolean done,
      AtomicInteger served, AtomicInteger failedBefore, AtomicInteger failedAfter, AtomicInteger loops) {
    if (stopping.get() || done.get() || sent >= 2000) {
      loops.decrementAndGet();
      return;
    }
    boolean beforeStop = !stopping.get();
    client.request(HttpMethod.GET, port, "127.0.0.1", "/work?ms=5")
        .compose(req -> req.idleTimeout(10_000).send())
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result() == 200) {
            served.incrementAndGet();
          } else if (beforeStop && !stopping.get()) {
            failedBefore.incrementAndGet();
          } else {
            failedAfter.incrementAndGet();
          }
          loop(client, port, sent + 1, stopping, done, served, failedBefore, failedAfter, loops);
        });
  }

  private JsonObject config(int httpPort, int managementPort) throws IOException {
    JsonObject conf = ExampleAppFixture.workersOnly(new JsonObject(Files.readString(Path.of("conf/config.json"))));
    conf.put("lifecycle", new JsonObject().put("shutdownTimeout", "15s").put("phases", new JsonArray()
        .add(new JsonObject().put("name", "announce").put("timeout", "0s"))
        .add(new JsonObject().put("name", "drain").put("timeout", "3s"))
        .add(new JsonObject().put("name", "terminate").put("timeout", "5s"))
        .add(new JsonObject().put("name", "close").put("timeout", "3s"))));
    conf.getJsonObject("http").put("port", httpPort);
    conf.getJsonObject("management").put("port", managementPort);
    JsonObject workers = conf.getJsonArray("processes").getJsonObject(0);
    workers.put("command", new JsonArray().add("sh").add(System.getProperty("example.worker")));
    workers.getJsonObject("env").put("WORKER_CLEANUP_SECONDS", "0.05").put("SOAK_TAG", tag);
    return conf;
  }

  /** The launcher's context, as the application sees it: deployments get the whole configuration. */
  private record Context(Vertx vertx, JsonObject config) implements ApplicationContext {
    @Override
    public Future<String> deploy(Supplier<? extends Deployable> verticle, DeploymentOptions options) {
      DeploymentOptions effective = new DeploymentOptions(options);
      if (effective.getConfig() == null) {
        effective.setConfig(config.copy());
      }
      return vertx.deployVerticle(verticle, effective);
    }
  }

  /** Open file descriptors and threads of this JVM, its live child processes, and live processes tagged by the soak. */
  private record Counts(int fds, int threads, int children, List<Integer> processes, Map<String, Integer> threadNames,
      Map<String, Integer> fdTargets) {

    /** What differs between this and {@code later}, entry by entry. */
    String diff(Counts later) {
      StringBuilder sb = new StringBuilder("fds " + fds + " -> " + later.fds + ", threads " + threads + " -> "
          + later.threads + ", children " + children + " -> " + later.children + ", tagged processes left "
          + later.processes);
      for (var pair : List.of(Map.entry(threadNames, later.threadNames), Map.entry(fdTargets, later.fdTargets))) {
        java.util.Set<String> keys = new java.util.TreeSet<>(pair.getKey().keySet());
        keys.addAll(pair.getValue().keySet());
        for (String k : keys) {
          int a = pair.getKey().getOrDefault(k, 0);
          int b = pair.getValue().getOrDefault(k, 0);
          if (a != b) {
            sb.append("\n  ").append(k).append(": ").append(a).append(" -> ").append(b);
          }
        }
      }
      return sb.toString();
    }

    static Counts now(String tag) {
      try {
        return read(tag);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    private static Counts read(String tag) throws IOException {
      Map<String, Integer> fdTargets = new TreeMap<>();
      try (DirectoryStream<Path> fd = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
        for (Path p : fd) {
          String target;
          try {
            target = Files.readSymbolicLink(p).toString().replaceAll("\\[\\d+\\]", "[…]");
          } catch (IOException e) {
            target = "?";
          }
          fdTargets.merge(target, 1, Integer::sum);
        }
      }
      int fds = fdTargets.values().stream().mapToInt(Integer::intValue).sum();
      Map<String, Integer> threadNames = new TreeMap<>();
      Thread.getAllStackTraces().keySet().forEach(t -> threadNames.merge(t.getName().replaceAll("\\d+", "N"), 1,
          Integer::sum));
      int threads = threadNames.values().stream().mapToInt(Integer::intValue).sum();
      int self = (int) ProcessHandle.current().pid();
      int children = 0;
      List<Integer> tagged = new ArrayList<>();
      byte[] needle = ("SOAK_TAG=" + tag).getBytes(StandardCharsets.US_ASCII);
      try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"))) {
        for (Path p : procs) {
          String name = p.getFileName().toString();
          if (!name.chars().allMatch(Character::isDigit)) {
            continue;
          }
          try {
            String stat = Files.readString(p.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (f[0].equals("Z") || f[0].equals("X")) {
              continue;
            }
            if (Integer.parseInt(f[1]) == self) {
              children++;
            }
            if (ProcFs.contains(Files.readAllBytes(p.resolve("environ")), needle)) {
              tagged.add(Integer.parseInt(name));
            }
          } catch (IOException | RuntimeException e) {
            // gone meanwhile, or not ours
          }
        }
      }
      return new Counts(fds, threads, children, tagged, threadNames, fdTargets);
    }
  }
}
