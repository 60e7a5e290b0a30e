package dev.quiesce.example;

import dev.quiesce.testing.Await;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Follows {@code GET /lifecycle/events} (server-sent events) of one process's management listener
 * on a thread of its own and keeps every event's data, with its {@code type} (the SSE event name when
 * the data has none, as the first, {@code status}). Opened before an
 * upgrade, the stream stays with the process that accepted it, although a successor shares the port.
 */
final class LifecycleEvents implements AutoCloseable {

  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final Stream<String> lines;
  private final Thread reader;

  private LifecycleEvents(Stream<String> lines) {
    this.lines = lines;
    this.reader = new Thread(this::read, "lifecycle-events");
    reader.setDaemon(true);
    reader.start();
  }

  /** Opens the stream on {@code managementPort} and waits for its first event (the status). */
  static LifecycleEvents follow(HttpClient client, int managementPort) throws IOException, InterruptedException {
    HttpResponse<Stream<String>> response = client.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + managementPort + "/lifecycle/events")).build(),
        HttpResponse.BodyHandlers.ofLines());
    LifecycleEvents events = new LifecycleEvents(response.body());
    events.await("the stream's first event", e -> "status".equals(e.getString("type")));
    return events;
  }

  private void read() {
    String[] type = {"event"};
    try {
      lines.forEach(line -> {
        if (line.startsWith("event:")) {
          type[0] = line.substring("event:".length()).strip();
        } else if (line.startsWith("data:")) {
          JsonObject data = new JsonObject(line.substring("data:".length()).strip());
          events.add(data.containsKey("type") ? data : data.put("type", type[0]));
        }
      });
    } catch (RuntimeException e) {
      // the stream was closed or the process exited
    }
  }

  /** Waits (up to 60 s, scaled) for the first event that matches {@code test}. */
  JsonObject await(String what, Predicate<JsonObject> test) {
    try {
      return Await.value(what, Duration.ofSeconds(60), () -> events.stream().filter(test).findFirst().orElse(null));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; events so far " + events, e);
    }
  }

  /** Waits for the {@code upgrade} event with {@code outcome} ({@code started}, {@code done}, {@code failed}). */
  JsonObject upgrade(String outcome) {
    return await("an upgrade event with outcome " + outcome,
        e -> "upgrade".equals(e.getString("type")) && outcome.equals(e.getString("outcome")));
  }

  List<JsonObject> received() {
    return List.copyOf(events);
  }

  @Override
  public void close() {
    lines.close();
  }
}
