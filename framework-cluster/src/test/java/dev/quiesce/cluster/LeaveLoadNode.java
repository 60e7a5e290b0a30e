package dev.quiesce.cluster;

import dev.quiesce.cluster.impl.HazelcastSetup;
import dev.quiesce.launcher.QuiesceLauncher;
import dev.quiesce.lifecycle.QuiesceEventBus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node of the leave's end-to-end runs (test only): {@code LeaveLoadNode quiesce|plain serve|send CONFIG}.
 * <ul>
 *   <li>{@code quiesce serve}: a Quiesce node ({@link QuiesceLauncher}, clustered by the config's
 *       {@code cluster} section) that serves {@value #ADDRESS} with {@link QuiesceEventBus#consumer},
 *       answering each request with its {@code -Dnode.name} after {@code -Dload.workMs} (default 2).</li>
 *   <li>{@code plain serve}: the anchor, a plain clustered Vert.x (the same Hazelcast setup) with
 *       {@code vertx.eventBus().consumer} whose only stop is {@code vertx.close()} in a shutdown hook on
 *       TERM; prints {@code PLAIN ready}.</li>
 *   <li>{@code quiesce send}: a Quiesce node that waits until {@code -Dload.servers} (names, comma
 *       separated) all answer, prints {@code LOAD started}, sends {@code -Dload.total} requests at
 *       {@code -Dload.rate} a second (send timeout {@code -Dload.timeoutMs}), prints
 *       {@code LOAD progress N} every 250 and, once every request has its answer, one line
 *       {@code LOAD done {json}}: replies per node, failures per kind (timeout, no handlers, a
 *       recipient failure) with their first messages.</li>
 * </ul>
 */
public final class LeaveLoadNode {

  /** The address served. */
  public static final String ADDRESS = "leave.load.work";

  private LeaveLoadNode() {
  }

  /**
   * Runs one node.
   *
   * @param args {@code quiesce|plain serve|send CONFIG}
   * @throws Exception when a plain node cannot start
   */
  public static void main(String[] args) throws Exception {
    String kind = args[0];
    String role = args[1];
    String config = args[2];
    String name = System.getProperty("node.name", "node");
    if (kind.equals("plain")) {
      plainServe(config, name);
      return;
    }
    QuiesceLauncher.launch(new String[] {"--config", config}, ctx -> ctx.deploy(
        role.equals("serve") ? () -> new Serve(name) : Send::new));
  }

  /**
   * Writes the configuration of node {@code index} of a cluster on 127.0.0.1 (Hazelcast on
   * {@code ports[index]}, the others its members; phases {@code announce} 5 s, {@code drain} 10 s,
   * {@code close} 3 s; the stop report in {@code dir/report-<name>.json}) to {@code dir/config-<name>.json}.
   *
   * @param dir where the configuration and the report go
   * @param cluster the cluster's name
   * @param ports every node's Hazelcast port
   * @param index this node's index in {@code ports}
   * @param name this node's name
   * @return the configuration file
   * @throws IOException if it cannot be written
   */
  public static Path writeConfig(Path dir, String cluster, int[] ports, int index, String name) throws IOException {
    JsonArray members = new JsonArray();
    for (int i = 0; i < ports.length; i++) {
      if (i != index) {
        members.add("127.0.0.1:" + ports[i]);
      }
    }
    JsonObject config = new JsonObject()
        .put("cluster", new JsonObject().put("enabled", true).put("name", cluster).put("host", "127.0.0.1")
            .put("port", ports[index]).put("members", members))
        .put("lifecycle", new JsonObject().put("shutdownTimeout", "30s")
            .put("reportFile", dir.resolve("report-" + name + ".json").toString())
            .put("phases", new JsonArray()
                .add(new JsonObject().put("name", "announce").put("timeout", "5s"))
                .add(new JsonObject().put("name", "drain").put("timeout", "10s"))
                .add(new JsonObject().put("name", "close").put("timeout", "3s"))));
    Path file = dir.resolve("config-" + name + ".json");
    Files.writeString(file, config.encodePrettily());
    return file;
  }

  private static void plainServe(String configFile, String name) throws Exception {
    JsonObject config = new JsonObject(Files.readString(Path.of(configFile)));
    ClusterConfig cluster = ClusterConfig.from(config);
    Vertx vertx = Vertx.builder()
        .with(new io.vertx.core.VertxOptions().setEventBusOptions(
            new io.vertx.core.eventbus.EventBusOptions().setHost(cluster.host()).setPort(0)))
        .withClusterManager(new HazelcastClusterManager(HazelcastSetup.of(cluster, Duration.ofSeconds(60)))).buildClustered()
        .await(60, TimeUnit.SECONDS);
    vertx.eventBus().<String>consumer(ADDRESS, m -> vertx.setTimer(workMs(), t -> m.reply(name)))
        .completion().await(10, TimeUnit.SECONDS);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.out.println("PLAIN close failed: " + e);
      }
    }));
    System.out.println("PLAIN ready " + name);
  }

  private static long workMs() {
    return Long.getLong("load.workMs", 2);
  }

  /** Serves {@value #ADDRESS} with a draining consumer. */
  static final class Serve extends VerticleBase {
    private final String name;

    Serve(String name) {
      this.name = name;
    }

    @Override
    public Future<?> start() {
      return QuiesceEventBus.<String>consumer(vertx, ADDRESS, m -> vertx.setTimer(workMs(), t -> m.reply(name)))
          .completion();
    }
  }

  /** Sends the load once every server answers, then reports. */
  static final class Send extends VerticleBase {
    private final int total = Integer.getInteger("load.total", 3000);
    private final int rate = Integer.getInteger("load.rate", 400);
    private final long timeoutMs = Long.getLong("load.timeoutMs", 5000);
    private final Set<String> servers = Set.of(System.getProperty("load.servers", "b,c").split(","));
    private final Map<String, AtomicInteger> replies = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Map<String, String> firstFailure = new ConcurrentHashMap<>();
    private final AtomicInteger answered = new AtomicInteger();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private int sent;
    private long startedAt;

    @Override
    public Future<?> start() {
      probe();
      return Future.succeededFuture();
    }

    private void probe() {
      vertx.eventBus().<String>request(ADDRESS, "probe", new DeliveryOptions().setSendTimeout(2000))
          .onComplete(ar -> {
            if (ar.succeeded()) {
              seen.add(ar.result().body());
            }
            if (seen.containsAll(servers)) {
              System.out.println("LOAD started rate=" + rate + " total=" + total);
              startedAt = System.nanoTime();
              vertx.setPeriodic(5, id -> tick(id));
            } else {
              vertx.setTimer(50, t -> probe());
            }
          });
    }

    /** Sends what the rate allows by now: a steady rate whatever the timer's jitter. */
    private void tick(long timer) {
      long due = Math.min(total, (System.nanoTime() - startedAt) * rate / Duration.ofSeconds(1).toNanos());
      while (sent < due) {
        sent++;
        if (sent % 250 == 0) {
          System.out.println("LOAD progress " + sent);
        }
        vertx.eventBus().<String>request(ADDRESS, "job", new DeliveryOptions().setSendTimeout(timeoutMs))
            .onComplete(ar -> {
              if (ar.succeeded()) {
                replies.computeIfAbsent(ar.result().body(), k -> new AtomicInteger()).incrementAndGet();
              } else {
                String kind = ar.cause() instanceof ReplyException r ? r.failureType().name().toLowerCase()
                    : "other";
                failures.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
                firstFailure.putIfAbsent(kind, String.valueOf(ar.cause().getMessage()));
              }
              if (answered.incrementAndGet() == total) {
                report();
              }
            });
      }
      if (sent >= total) {
        vertx.cancelTimer(timer);
      }
    }

    private void report() {
      JsonObject json = new JsonObject().put("sent", sent)
          .put("replies", replies.values().stream().mapToInt(AtomicInteger::get).sum())
          .put("failed", failures.values().stream().mapToInt(AtomicInteger::get).sum())
          .put("byNode", counts(replies)).put("failures", counts(failures))
          .put("firstFailures", new JsonObject(Map.copyOf(firstFailure)))
          .put("tookMs", (System.nanoTime() - startedAt) / 1_000_000);
      System.out.println("LOAD done " + json.encode());
    }

    private static JsonObject counts(Map<String, AtomicInteger> counts) {
      JsonObject json = new JsonObject();
      new TreeMap<>(counts).forEach((k, v) -> json.put(k, v.get()));
      return json;
    }
  }
}
