package dev.quiesce.lifecycle;

import static dev.quiesce.lifecycle.CoordinatorFixture.outcome;
import static dev.quiesce.lifecycle.CoordinatorFixture.phases;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link DrainingNetServer} with real TCP connections on 127.0.0.1 and the real coordinator. The
 * server speaks a line protocol: a client says {@code polite} (it closes when told the end is
 * near, after a last {@code bye}) or {@code rude} (it ignores that); every line is answered.
 */
@ExtendWith(VertxExtension.class)
class DrainingNetServerTest {

  private final List<Socket> clients = new CopyOnWriteArrayList<>();
  private final AtomicInteger applicationCloses = new AtomicInteger();
  private final List<String> endIsNear = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeClients() throws IOException {
    for (Socket client : clients) {
      client.close();
    }
  }

  private void serve(Vertx vertx, NetSocket socket) {
    socket.closeHandler(v -> applicationCloses.incrementAndGet());
    socket.handler(line -> {
      String said = line.toString(StandardCharsets.UTF_8).trim();
      socket.write("ok " + said + "\n");
      if (said.equals("polite")) {
        // finish at a protocol boundary a moment later: a last line, then close
        socket.shutdownHandler(v -> {
          endIsNear.add(said);
          vertx.setTimer(100, t -> socket.write("bye\n").onComplete(w -> socket.close()));
        });
      } else {
        socket.shutdownHandler(v -> endIsNear.add(said));
      }
    });
  }

  private DrainingNetServer listen(Vertx vertx, DrainingNetServerOptions options) {
    DrainingNetServer server = DrainingNetServer.create(vertx, new NetServerOptions().setHost("127.0.0.1").setPort(0),
        socket -> serve(vertx, socket), options);
    return Await.result(server.listen());
  }

  /** Connects, says {@code greeting}, waits for its answer; then reads the rest on a thread of its own. */
  private Client connect(int port, String greeting) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    clients.add(socket);
    socket.setSoTimeout((int) Timing.upTo(20_000));
    OutputStream out = socket.getOutputStream();
    out.write((greeting + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    assertThat(in.readLine()).isEqualTo("ok " + greeting);
    CompletableFuture<Client.End> end = CompletableFuture.supplyAsync(() -> {
      List<String> lines = new CopyOnWriteArrayList<>();
      try {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        lines.add(e.toString());
      }
      return new Client.End(System.currentTimeMillis(), lines);
    });
    return new Client(end);
  }

  private record Client(CompletableFuture<End> end) {
    record End(long at, List<String> lines) {
    }

    End awaitEnd() {
      return Await.result(io.vertx.core.Future.fromCompletionStage(end), Duration.ofSeconds(20));
    }
  }

  @Test
  void aConnectionThatFinishesWhenToldIsCountedFinishedAndOneThatIgnoresItIsClosedAtTheBudget(Vertx vertx)
      throws IOException {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "3s")).deploy();
    DrainingNetServer server = listen(vertx, new DrainingNetServerOptions());
    Client polite = connect(server.actualPort(), "polite");
    Client rude = connect(server.actualPort(), "rude");
    Await.until("both connections tracked", Duration.ofSeconds(5), () -> server.connections() == 2);

    long stopAsked = System.currentTimeMillis();
    f.command("stop");
    Client.End politeEnd = polite.awaitEnd();
    // the drain has begun (the polite client was told): the listener is closed
    assertThatThrownBy(() -> new Socket("127.0.0.1", server.actualPort()).close())
        .isInstanceOf(ConnectException.class);
    Client.End rudeEnd = rude.awaitEnd();
    JsonObject report = Await.result(f.coordinator.stopped().map(StopReport::toJson), Duration.ofSeconds(10));

    assertThat(server.name()).isEqualTo("tcp:" + server.actualPort());
    assertThat(politeEnd.lines()).containsExactly("bye");
    assertThat(politeEnd.at() - stopAsked).as("told, then its own 100 ms before it closes")
        .isGreaterThanOrEqualTo(100).isLessThan(Timing.upTo(1500));
    assertThat(rudeEnd.lines()).isEmpty();
    // closed at the budget: 3 s less the acknowledgement margin (250 ms)
    assertThat(rudeEnd.at() - stopAsked).isGreaterThanOrEqualTo(2700).isLessThan(Timing.upTo(3000 + 2000));
    assertThat(endIsNear).containsExactlyInAnyOrder("polite", "rude");
    Await.until("the application's close handlers ran", Duration.ofSeconds(5), () -> applicationCloses.get() == 2);
    JsonObject drained = outcome(report, "drain", server.name());
    assertThat(drained.getString("outcome")).isEqualTo("done");
    JsonObject detail = drained.getJsonObject("detail");
    assertThat(detail.getInteger("port")).isEqualTo(server.actualPort());
    assertThat(detail.getInteger("connections")).isEqualTo(2);
    assertThat(detail.getInteger("finished")).isEqualTo(1);
    assertThat(detail.getInteger("closedAtBudget")).isEqualTo(1);
    assertThat(detail.getLong("waitedMs")).isGreaterThanOrEqualTo(2700);
    assertThat(detail.getBoolean("forced")).isTrue();
    assertThat(report.getString("outcome")).isEqualTo("forced");
    assertThat(report.getJsonArray("problems").encode()).contains("participant " + server.name()
        + " had to force its work in phase drain: 1 TCP connection(s)");
    assertThat(server.connections()).isZero();
  }

  @Test
  void connectionsThatAllFinishEndTheDrainBeforeTheBudgetAndTheStopIsGraceful(Vertx vertx) throws IOException {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "10s")).deploy();
    DrainingNetServer server = listen(vertx, new DrainingNetServerOptions().setName("lines"));
    List<Client> politeClients = List.of(connect(server.actualPort(), "polite"), connect(server.actualPort(), "polite"),
        connect(server.actualPort(), "polite"));
    Await.until("the connections tracked", Duration.ofSeconds(5), () -> server.connections() == 3);

    JsonObject report = f.stopAndAwaitReport();

    for (Client client : politeClients) {
      assertThat(client.awaitEnd().lines()).containsExactly("bye");
    }
    JsonObject detail = outcome(report, "drain", "lines").getJsonObject("detail");
    assertThat(detail.getInteger("connections")).isEqualTo(3);
    assertThat(detail.getInteger("finished")).isEqualTo(3);
    assertThat(detail.getInteger("closedAtBudget")).isZero();
    assertThat(detail.getLong("waitedMs")).isGreaterThanOrEqualTo(100).isLessThan(Timing.upTo(3000));
    assertThat(detail.containsKey("forced")).isFalse();
    assertThat(report.getString("outcome")).isEqualTo("graceful");
  }

  @Test
  void aServerClosedBeforeTheStopIsNotWaitedFor(Vertx vertx) throws IOException {
    CoordinatorFixture f = new CoordinatorFixture(vertx, phases("drain", "10s")).deploy();
    DrainingNetServer server = listen(vertx, new DrainingNetServerOptions().setName("given-up"));
    Client client = connect(server.actualPort(), "rude");

    Await.result(server.close());
    long start = System.currentTimeMillis();
    JsonObject report = f.stopAndAwaitReport();

    assertThat(client.awaitEnd().lines()).isEmpty();
    assertThat(System.currentTimeMillis() - start).isLessThan(Timing.upTo(3000));
    assertThat(CoordinatorFixture.phase(report, "drain").getJsonArray("participants").encode())
        .doesNotContain("given-up");
  }

  @Test
  void aDrainWithoutBudgetClosesEveryConnectionAtOnceAndADrainAskedTwiceIsTheSame(Vertx vertx) throws IOException {
    new CoordinatorFixture(vertx, phases("drain", "10s")).deploy();
    DrainingNetServer server = listen(vertx, new DrainingNetServerOptions().setName("cut"));
    Client first = connect(server.actualPort(), "rude");
    Client second = connect(server.actualPort(), "polite");
    Await.until("the connections tracked", Duration.ofSeconds(5), () -> server.connections() == 2);

    long start = System.currentTimeMillis();
    io.vertx.core.Future<JsonObject> drained = server.drain(Duration.ZERO);
    JsonObject detail = Await.result(drained);

    assertThat(server.drain(Duration.ofSeconds(5))).isSameAs(drained);
    assertThat(detail.getInteger("connections")).isEqualTo(2);
    assertThat(detail.getInteger("closedAtBudget")).isEqualTo(2);
    assertThat(detail.getInteger("finished")).isZero();
    assertThat(first.awaitEnd().at() - start).isLessThan(Timing.upTo(1000));
    assertThat(second.awaitEnd().at() - start).isLessThan(Timing.upTo(1000));
  }
}
