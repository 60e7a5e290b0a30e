package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.lifecycle.Steps;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@code drain} phase of the HTTP verticle, seen by real clients on 127.0.0.1. */
class HttpDrainTest {

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  private PhaseDriver driver;

  @BeforeEach
  void start() {
    driver = new PhaseDriver(fx.vertx);
    fx.deployHttp(WebFixture.config(new JsonObject()));
  }

  private static CompletableFuture<RawHttp.Response> readAsync(RawHttp client) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return client.read();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void registersAsHttpParticipant() {
    assertThat(driver.registered()).containsExactly("http");
  }

  @Test
  void inFlightRequestCompletesDuringDrainWithConnectionClose() throws Exception {
    try (RawHttp client = new RawHttp(fx.httpPort())) {
      client.send("/slow?ms=800");
      CompletableFuture<RawHttp.Response> response = readAsync(client);
      fx.awaitInFlight(1);
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5));

      RawHttp.Response r = response.get(5, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("slept 800");
      assertThat(r.header("connection")).isEqualToIgnoringCase("close");
      JsonObject detail = drain.detail(Duration.ofSeconds(5));
      assertThat(detail.getLong("completed")).isEqualTo(1);
      assertThat(detail.getLong("aborted")).isZero();
      assertThat(detail.getLong("inFlightAtStart")).isEqualTo(1);
      assertThat(detail.getLong("connectionsClosed")).isEqualTo(1);
      assertThat(client.closedWithin(Duration.ofSeconds(2))).isTrue();
    }
  }

  @Test
  void aRequestWhoseEndHandlersTheApplicationReplacedIsStillCountedOnce() throws Exception {
    try (RawHttp client = new RawHttp(fx.httpPort())) {
      client.send("/slow-hooked?ms=10");
      RawHttp.Response r = client.read();
      assertThat(r.header("x-hooked")).isEqualTo("yes");
      // the response's end handler was vertx-web's, not the tracker's: the periodic sweep sees the end
      Await.until("the in-flight count back to 0", Duration.ofSeconds(5), () -> fx.state().inFlight() == 0);

      client.send("/slow-hooked?ms=600");
      CompletableFuture<RawHttp.Response> response = readAsync(client);
      fx.awaitInFlight(1);
      long started = System.nanoTime();
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(10));

      assertThat(response.get(5, TimeUnit.SECONDS).body()).isEqualTo("slept 600");
      JsonObject detail = drain.detail(Duration.ofSeconds(5));
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      // the end is seen when the connection closes after the response, long before the 10 s budget
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(500)).isLessThan(Timing.upTo(Duration.ofSeconds(5)));
      assertThat(detail.getLong("completed")).isEqualTo(1);
      assertThat(detail.getLong("aborted")).isZero();
      assertThat(fx.state().inFlight()).isZero();
    }
  }

  @Test
  void newConnectionIsRefusedOnceDrainBegan() throws Exception {
    int port = fx.httpPort();
    try (RawHttp busy = new RawHttp(port)) {
      busy.send("/slow?ms=1500");
      fx.awaitInFlight(1);
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5));
      Await.until("new connections are refused", Duration.ofSeconds(2), () -> {
        try (Socket s = new Socket("127.0.0.1", port)) {
          return !s.isConnected();
        } catch (ConnectException e) {
          return true;
        } catch (IOException e) {
          return false;
        }
      });
      assertThat(drain.acked()).as("the drain still waits for the slow request").isFalse();
      assertThat(busy.read().status()).isEqualTo(200);
      assertThat(drain.detail(Duration.ofSeconds(5)).getLong("completed")).isEqualTo(1);
    }
  }

  @Test
  void aRequestPipelinedBehindAResponseThatSaidCloseIsNotServed() throws Exception {
    try (RawHttp client = new RawHttp(fx.httpPort())) {
      client.sendRaw("GET /slow?ms=600 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      fx.awaitInFlight(1);
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5));

      RawHttp.Response first = client.read();
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.header("connection")).isEqualToIgnoringCase("close");
      // RFC 9112 9.6: nothing after a response that said close; the client retries /hello elsewhere
      assertThatThrownBy(client::read).isInstanceOf(IOException.class);
      JsonObject detail = drain.detail(Duration.ofSeconds(5));
      assertThat(detail.getLong("acceptedDuringDrain")).isZero();
      assertThat(detail.getLong("completed")).isEqualTo(1);
      assertThat(detail.getLong("aborted")).isZero();
    }
  }

  @Test
  void aClientStillUploadingAfterItsCloseResponseIsClosedWithoutHoldingTheDrain() throws Exception {
    try (RawHttp client = new RawHttp(fx.httpPort())) {
      client.sendRaw("POST /early?ms=300 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n"
          + "x".repeat(1000));
      fx.awaitInFlight(1);
      long started = System.nanoTime();
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(10));

      RawHttp.Response r = client.read();
      assertThat(r.body()).isEqualTo("early 300");
      assertThat(r.header("connection")).isEqualToIgnoringCase("close");
      assertThat(client.closedWithin(Duration.ofSeconds(3))).as("closed after the response that said close").isTrue();
      JsonObject detail = drain.detail(Duration.ofSeconds(12));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the drain did not wait for the upload")
          .isLessThan(Timing.upTo(Duration.ofSeconds(5)));
      assertThat(detail.getLong("completed")).isEqualTo(1);
      assertThat(detail.getLong("aborted")).isZero();
    }
  }

  @Test
  void aClientStillUploadingAfterItsResponseDoesNotHoldTheDrain() throws Exception {
    try (RawHttp client = new RawHttp(fx.httpPort())) {
      client.sendRaw("POST /early?ms=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n"
          + "x".repeat(1000));
      assertThat(client.read().body()).isEqualTo("early 0");
      fx.awaitInFlight(0);
      long started = System.nanoTime();
      JsonObject detail = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(10)).detail(Duration.ofSeconds(12));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the drain did not wait for the upload")
          .isLessThan(Timing.upTo(Duration.ofSeconds(5)));
      assertThat(client.closedWithin(Duration.ofSeconds(3))).isTrue();
      assertThat(detail.getLong("aborted")).isZero();
    }
  }

  @Test
  void idleKeepAliveConnectionIsClosedWhenDrainBegins() throws Exception {
    try (RawHttp idle = new RawHttp(fx.httpPort())) {
      RawHttp.Response r = idle.send("/hello").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("connection")).isNull();
      assertThat(idle.closedWithin(Duration.ofMillis(200))).as("kept alive before the drain").isFalse();

      long started = System.nanoTime();
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(10));
      assertThat(idle.closedWithin(Duration.ofSeconds(3))).isTrue();
      JsonObject detail = drain.detail(Duration.ofSeconds(5));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Timing.upTo(Duration.ofSeconds(3)));
      assertThat(detail.getLong("connectionsClosed")).isEqualTo(1);
      assertThat(detail.getLong("completed")).isZero();
    }
  }

  @Test
  void requestsBeyondBudgetAreAbortedAndCounted() throws Exception {
    try (RawHttp slow1 = new RawHttp(fx.httpPort()); RawHttp slow2 = new RawHttp(fx.httpPort());
        RawHttp quick = new RawHttp(fx.httpPort())) {
      slow1.send("/slow?ms=20000");
      slow2.send("/slow?ms=20000");
      quick.send("/slow?ms=200");
      fx.awaitInFlight(3);
      long started = System.nanoTime();
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(1));

      JsonObject detail = drain.detail(Duration.ofSeconds(5));
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(800)).isLessThan(Timing.upTo(Duration.ofSeconds(3)));
      assertThat(detail.getLong("completed")).isEqualTo(1);
      assertThat(detail.getLong("aborted")).isEqualTo(2);
      assertThat(detail.getLong("completed") + detail.getLong("aborted"))
          .isEqualTo(detail.getLong("inFlightAtStart") + detail.getLong("acceptedDuringDrain"));
      assertThat(quick.read().status()).isEqualTo(200);
      assertThatThrownBy(slow1::read).isInstanceOf(IOException.class);
      assertThatThrownBy(slow2::read).isInstanceOf(IOException.class);
      assertThat(fx.state().inFlight()).isZero();
    }
  }

  @Test
  void forcedDrainAbortsAtOnce() throws Exception {
    try (RawHttp slow = new RawHttp(fx.httpPort())) {
      slow.send("/slow?ms=20000");
      fx.awaitInFlight(1);
      long started = System.nanoTime();
      PhaseDriver.Step drain = driver.publish("http", Steps.DRAIN, Duration.ZERO, true, new JsonObject());
      JsonObject detail = drain.detail(Duration.ofSeconds(5));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Timing.upTo(Duration.ofSeconds(1)));
      assertThat(detail.getLong("aborted")).isEqualTo(1);
      assertThatThrownBy(slow::read).isInstanceOf(IOException.class);
    }
  }

  @Test
  void drainedInstancesAreUndeployedBeforeTheAck() {
    int before = fx.vertx.deploymentIDs().size();
    assertThat(before).isEqualTo(2);
    driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5)).detail(Duration.ofSeconds(5));
    assertThat(fx.vertx.deploymentIDs()).containsExactly(fx.httpDeployment);
  }

  @Test
  void drainUnderLoadAccountsForEveryRequest() {
    HttpClient keepAlive = fx.vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(8));
    HttpClient perRequest = fx.vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(false), new PoolOptions().setHttp1MaxSize(8));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong answered = new AtomicLong();
    int port = fx.httpPort();
    for (int i = 0; i < 8; i++) {
      HttpClient client = i % 2 == 0 ? keepAlive : perRequest;
      fx.vertx.runOnContext(v -> loop(client, port, stop, answered, 0));
    }
    Await.until("load is flowing", Duration.ofSeconds(5), () -> answered.get() > 100);
    JsonObject detail = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(3)).detail(Duration.ofSeconds(6));
    stop.set(true);
    assertThat(detail.getLong("aborted")).as(detail.encode()).isZero();
    assertThat(detail.getLong("completed")).as("nothing unaccounted for: " + detail.encode())
        .isEqualTo(detail.getLong("inFlightAtStart") + detail.getLong("acceptedDuringDrain"));
    assertThat(detail.getLong("inFlightAtStart")).isPositive();
    assertThat(fx.state().inFlight()).isZero();
  }

  @Test
  void keepAliveClientsUnderLoadLoseNoRequestAtAStop() throws Exception {
    HttpClient keepAlive = fx.vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(8));
    KeepAliveLoad load = new KeepAliveLoad(keepAlive, fx.httpPort());
    for (int i = 0; i < 8; i++) {
      fx.vertx.runOnContext(v -> load.next(0));
    }
    Await.until("load is flowing", Duration.ofSeconds(5), () -> load.answered.get() > 200);
    JsonObject detail = driver.publish("http", Steps.DRAIN, Duration.ofSeconds(5)).detail(Duration.ofSeconds(8));
    Await.until("every client saw the listener close", Duration.ofSeconds(5), () -> load.running.get() == 0);
    assertThat(load.interrupted).as("requests sent on a kept-alive connection that got no response").isEmpty();
    assertThat(detail.getLong("aborted")).as(detail.encode()).isZero();
    assertThat(load.answered.get()).isGreaterThan(200);
  }

  /**
   * Requests one after the other on each of its loops (bounded), over kept-alive connections. A
   * failure on a connection that already carried a response is an interrupted keep-alive request;
   * one on a new connection (the listener closed) ends the loop.
   */
  private static final class KeepAliveLoad {
    final HttpClient client;
    final int port;
    final AtomicLong answered = new AtomicLong();
    final AtomicInteger running = new AtomicInteger(8);
    final List<String> interrupted = new CopyOnWriteArrayList<>();
    final Set<HttpConnection> used = ConcurrentHashMap.newKeySet();

    KeepAliveLoad(HttpClient client, int port) {
      this.client = client;
      this.port = port;
    }

    void next(int n) {
      if (n >= 5_000) {
        running.decrementAndGet();
        return;
      }
      client.request(HttpMethod.GET, port, "127.0.0.1", "/slow?ms=20").onComplete(ar -> {
        if (ar.succeeded()) {
          send(ar.result(), n);
        } else {
          running.decrementAndGet(); // no connection: the listener closed
        }
      });
    }

    /** Sends {@code request}; a failure on a connection that already carried a response is an interruption. */
    private void send(HttpClientRequest request, int n) {
      HttpConnection on = request.connection();
      request.send().compose(HttpClientResponse::body).onComplete(ar -> {
        if (ar.succeeded()) {
          answered.incrementAndGet();
          used.add(on);
          next(n + 1);
        } else {
          if (used.contains(on)) {
            interrupted.add(ar.cause().toString());
          }
          running.decrementAndGet();
        }
      });
    }
  }

  /** One request after the other (bounded), until told to stop or refused. */
  private static void loop(HttpClient client, int port,
      AtomicBoolean stop, AtomicLong answered, int n) {
    if (stop.get() || n >= 5_000) {
      return;
    }
    client.request(HttpMethod.GET, port, "127.0.0.1", "/slow?ms=20")
        .compose(req -> req.send()).compose(resp -> resp.body())
        .onComplete(ar -> {
          if (ar.succeeded()) {
            answered.incrementAndGet();
            loop(client, port, stop, answered, n + 1);
          }
        });
  }
}
