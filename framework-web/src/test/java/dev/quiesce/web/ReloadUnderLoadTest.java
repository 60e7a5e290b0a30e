package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several reloads while clients of every kind keep sending: Vert.x HttpClient with keep-alive and
 * with a connection per request, the JDK HttpClient, and curl (keep-alive within a batch). Not one
 * request may fail. The load is bounded in time (until the last reload plus a little) and count.
 */
@Tag("slow")
class ReloadUnderLoadTest {

  private static final int RELOADS = 3;
  private static final int LOOPS_PER_KIND = 2;
  private static final long MAX_REQUESTS_PER_LOOP = 20_000;
  private static final Duration LOAD_CAP = Duration.ofSeconds(25);

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  private HttpClient keepAlive;
  private HttpClient perRequest;
  private java.net.http.HttpClient jdk;
  private final AtomicInteger generation = new AtomicInteger();
  private final Map<String, AtomicLong> ok = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> failed = new ConcurrentHashMap<>();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final List<JsonObject> reloadEvents = new CopyOnWriteArrayList<>();
  private volatile boolean stopLoad;

  @BeforeEach
  void start() {
    JsonObject root = config(0);
    fx.deployCoordinator(root);
    fx.coordinator.reloadWith(() -> Future.succeededFuture(config(generation.incrementAndGet())));
    fx.vertx.eventBus().<JsonObject>consumer(EventBusContract.EVENTS, m -> {
      if ("reload".equals(m.body().getString("type"))) {
        reloadEvents.add(m.body());
      }
    });
    fx.deployManagement(root).deployHttp(root);
    keepAlive = fx.vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(4));
    perRequest = fx.vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
        new PoolOptions().setHttp1MaxSize(4));
    jdk = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterEach
  void stop() {
    stopLoad = true;
  }

  private static JsonObject config(int generation) {
    JsonObject root = WebFixture.config(new JsonObject().put("instances", 2));
    root.put("app", new JsonObject().put("greeting", "v" + generation));
    root.put("lifecycle", new JsonObject().put("reloadTimeout", "20s"));
    return root;
  }

  private String url() {
    return "http://127.0.0.1:" + fx.httpPort() + "/slow?ms=5";
  }

  private void count(String kind, boolean success, String why) {
    (success ? ok : failed).computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    if (!success && failures.size() < 20) {
      failures.add(kind + ": " + why);
    }
  }

  /** A Vert.x client loop on the event loop: one request after the other until told to stop. */
  private Future<Void> vertxLoop(String kind, HttpClient client) {
    Promise<Void> done = Promise.promise();
    int port = fx.httpPort();
    fx.vertx.runOnContext(v -> next(kind, client, port, 0, done));
    return done.future();
  }

  private void next(String kind, HttpClient client, int port, long n, Promise<Void> done) {
    if (stopLoad || n >= MAX_REQUESTS_PER_LOOP) {
      done.complete();
      return;
    }
    client.request(HttpMethod.GET, port, "127.0.0.1", "/slow?ms=5")
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(body -> resp.statusCode()))
        .onComplete(ar -> {
          count(kind, ar.succeeded() && ar.result() == 200,
              ar.succeeded() ? "status " + ar.result() : String.valueOf(ar.cause()));
          next(kind, client, port, n + 1, done);
        });
  }

  private Thread jdkLoop() {
    Thread t = new Thread(() -> {
      HttpRequest request = HttpRequest.newBuilder(URI.create(url())).timeout(Duration.ofSeconds(10)).build();
      for (long n = 0; !stopLoad && n < MAX_REQUESTS_PER_LOOP; n++) {
        try {
          HttpResponse<String> r = jdk.send(request, HttpResponse.BodyHandlers.ofString());
          count("jdk", r.statusCode() == 200, "status " + r.statusCode());
        } catch (IOException e) {
          count("jdk", false, e.toString());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }, "jdk-load");
    t.start();
    return t;
  }

  private static final Pattern CODE = Pattern.compile("\\|(\\d{3})\\|");

  /** curl in batches of 20 URLs per process: keep-alive within a batch, a new connection per batch. */
  private Thread curlLoop() {
    Thread t = new Thread(() -> {
      for (long n = 0; !stopLoad && n < MAX_REQUESTS_PER_LOOP; n += 20) {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "--max-time", "20", "-w", "|%{http_code}|\\n"));
        for (int i = 0; i < 20; i++) {
          command.add(url());
        }
        try {
          Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
          String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          boolean exited = p.waitFor(30, TimeUnit.SECONDS);
          Matcher m = CODE.matcher(out);
          int seen = 0;
          while (m.find()) {
            seen++;
            count("curl", "200".equals(m.group(1)), "status " + m.group(1));
          }
          for (int i = seen; i < 20; i++) {
            count("curl", false, "no answer (exit " + (exited ? p.exitValue() : "none") + "): " + out.strip());
          }
        } catch (IOException e) {
          count("curl", false, e.toString());
          return;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }, "curl-load");
    t.start();
    return t;
  }

  private static long sum(Map<String, AtomicLong> m) {
    return m.values().stream().mapToLong(AtomicLong::get).sum();
  }

  @Test
  void reloadsUnderContinuousLoadFailNoRequest() throws Exception {
    List<Future<Void>> vertxLoops = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < LOOPS_PER_KIND; i++) {
      vertxLoops.add(vertxLoop("vertx-keepalive", keepAlive));
      vertxLoops.add(vertxLoop("vertx-per-request", perRequest));
      threads.add(jdkLoop());
    }
    threads.add(curlLoop());
    long loadStarted = System.nanoTime();
    Await.until("load is flowing", Duration.ofSeconds(10), () -> sum(ok) > 100);

    for (int i = 1; i <= RELOADS; i++) {
      long before = sum(ok);
      Await.result(fx.vertx.eventBus().request(EventBusContract.COMMANDS,
          new JsonObject().put("command", "reload").put("reason", "test " + i)));
      int expected = i;
      Await.until("reload " + i + " is done", Duration.ofSeconds(20), () -> reloadEvents.size() >= expected);
      long during = sum(ok) - before;
      assertThat(during).as("requests were served during reload " + i).isPositive();
    }
    long afterReloads = sum(ok);
    Await.until("some load after the last reload", Duration.ofSeconds(10), () -> sum(ok) > afterReloads + 100);
    stopLoad = true;
    Await.result(Future.all(vertxLoops), Duration.ofSeconds(30));
    for (Thread t : threads) {
      t.join(30_000);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - loadStarted);

    System.out.printf("reload under load: %d reloads in %d ms; ok=%s failed=%s; reloads=%s; failures=%s%n", RELOADS,
        took.toMillis(), ok, failed, new JsonArray(reloadEvents.stream()
            .map(e -> e.getString("outcome") + " " + e.getLong("durationMs") + "ms").toList()).encode(), failures);
    assertThat(took).isLessThan(Timing.upTo(LOAD_CAP));
    assertThat(failures).as("failed requests").isEmpty();
    assertThat(reloadEvents).allSatisfy(e -> assertThat(e.getString("outcome")).as(e.encode()).isEqualTo("done"));
    for (JsonObject event : reloadEvents) {
      JsonObject detail = event.getJsonArray("participants").stream().map(JsonObject.class::cast)
          .filter(p -> "http".equals(p.getString("participant"))).findFirst().orElseThrow().getJsonObject("detail");
      assertThat(detail.getLong("aborted")).as(detail.encode()).isZero();
      assertThat(detail.getLong("completed")).as("nothing unaccounted for: " + detail.encode())
          .isEqualTo(detail.getLong("inFlightAtStart") + detail.getLong("acceptedDuringDrain"));
      assertThat(detail.getInteger("replaced")).isEqualTo(2);
    }
    assertThat(ok.keySet()).containsExactlyInAnyOrder("vertx-keepalive", "vertx-per-request", "jdk", "curl");
    assertThat(fx.state().http().getInteger("instances")).isEqualTo(2);
    String greeting = new String(new java.net.URL("http://127.0.0.1:" + fx.httpPort() + "/greeting").openStream()
        .readAllBytes(), StandardCharsets.UTF_8);
    assertThat(greeting).isEqualTo("v" + RELOADS);
  }
}
