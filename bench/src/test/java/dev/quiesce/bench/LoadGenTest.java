package dev.quiesce.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The counting of {@link LoadGen} that the upgrade benchmark's verdicts rest on: requests whose
 * connection cannot be opened are failed and refused; the windows of several client threads add up.
 * The polls read the generators' arrays while they run (good enough to see progress); the
 * assertions read them after {@link LoadGen#stop}, which synchronises with their event loops.
 */
class LoadGenTest {

  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  @Test
  void aRequestWhoseConnectionIsRefusedCountsAsFailedAndRefused() throws Exception {
    int nobody;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nobody = s.getLocalPort();
    }
    List<LoadGen> gens = LoadGen.onThreads(vertx, 2, nobody, "/", 100, 2, false, 10);
    gens.forEach(LoadGen::start);
    Await.until("20 requests failed", Duration.ofSeconds(10),
        () -> LoadGen.window(gens, 0, Long.MAX_VALUE).failed() >= 20);
    for (LoadGen g : gens) {
      g.stop(5_000);
    }

    LoadGen.Window all = LoadGen.window(gens, 0, Long.MAX_VALUE);
    assertEquals(all.requests(), all.failed(), "every request failed: " + all);
    assertEquals(all.failed(), all.refused(), "every failure was a refused connection: " + all.reasons());
  }

  @Test
  void theWindowOfSeveralClientThreadsIsTheSumOfTheirs() throws Exception {
    HttpServer server = Await.result(vertx.createHttpServer().requestHandler(req -> req.response().end("hello\n"))
        .listen(0, "127.0.0.1"));
    List<LoadGen> gens = LoadGen.onThreads(vertx, 2, server.actualPort(), "/", 200, 4, true, 10);
    gens.forEach(LoadGen::start);
    Await.until("40 requests answered", Duration.ofSeconds(10), () -> {
      LoadGen.Window w = LoadGen.window(gens, 0, Long.MAX_VALUE);
      return w.requests() - w.failed() >= 40;
    });
    for (LoadGen g : gens) {
      g.stop(5_000);
    }

    LoadGen.Window all = LoadGen.window(gens, 0, Long.MAX_VALUE);
    assertEquals(0, all.failed(), "failures: " + all.reasons());
    assertEquals(gens.get(0).window(0, Long.MAX_VALUE).requests() + gens.get(1).window(0, Long.MAX_VALUE).requests(),
        all.requests());
    assertTrue(gens.get(0).window(0, Long.MAX_VALUE).requests() > 0 && gens.get(1).window(0, Long.MAX_VALUE)
        .requests() > 0, "both client threads sent");
  }
}
