package dev.quiesce.web.impl;

import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open {@code GET /lifecycle/events} streams: each gets the current status first, then
 * every lifecycle event as it is published, the stop report last, and then its end. Runs on the
 * management verticle's context.
 */
final class EventStreams {

  private static final String EVENT_STREAM = "text/event-stream; charset=utf-8";

  private final Map<HttpServerResponse, Client> clients = new ConcurrentHashMap<>();
  private JsonObject finalReport;
  private long nextId;

  /** One watcher; events wait in {@code pending} until its first (status) event is written. */
  private static final class Client {
    final HttpServerResponse response;
    List<String> pending = new ArrayList<>();

    Client(HttpServerResponse response) {
      this.response = response;
    }
  }

  int size() {
    return clients.size();
  }

  boolean reportSeen() {
    return finalReport != null;
  }

  /** Starts a stream; {@code status} becomes its first event (left out when it fails). */
  void open(RoutingContext ctx, Future<JsonObject> status) {
    HttpServerResponse response = ctx.response();
    response.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, EVENT_STREAM)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").putHeader("X-Accel-Buffering", "no");
    response.write("retry: 2000\n\n");
    Client client = new Client(response);
    if (finalReport != null) {
      // the stop is over: a late watcher still gets the report, then the end
      String report = LifecycleEvent.REPORT.wireName();
      write(client, format(report, new JsonObject().put("type", report).put("report", finalReport)));
      response.end();
      return;
    }
    clients.put(response, client);
    ctx.addEndHandler(ar -> clients.remove(response));
    status.onComplete(ar -> {
      List<String> queued = client.pending;
      client.pending = null;
      if (ar.succeeded()) {
        write(client, format("status", ar.result()));
      }
      queued.forEach(frame -> write(client, frame));
      if (finalReport != null && !response.ended()) {
        response.end();
      }
    });
  }

  /** Sends a lifecycle event to every stream; after the {@code report} event, ends them all. */
  void publish(JsonObject event) {
    String type = event.getString("type", "event");
    boolean last = LifecycleEvent.REPORT.wireName().equals(type);
    if (last) {
      finalReport = event.getJsonObject("report", new JsonObject());
    }
    if (clients.isEmpty()) {
      // nobody to encode it for (a phase's end with 200 children is ~30 KB): only its id is used up
      ++nextId;
      return;
    }
    String frame = format(type, event);
    for (Client client : List.copyOf(clients.values())) {
      if (client.pending != null) {
        client.pending.add(frame);
        continue;
      }
      write(client, frame);
      if (last) {
        end(client);
      }
    }
  }

  /** A comment line, so proxies keep idle streams open. */
  void heartbeat() {
    for (Client client : List.copyOf(clients.values())) {
      if (client.pending == null) {
        write(client, ": keep-alive\n\n");
      }
    }
  }

  /** Ends every stream, with a last {@code closing} event when the report never came. */
  void closeAll(String reason) {
    for (Client client : List.copyOf(clients.values())) {
      if (finalReport == null) {
        write(client, format("closing", new JsonObject().put("type", "closing").put("reason", reason)));
      }
      end(client);
    }
  }

  private String format(String type, JsonObject data) {
    return "id: " + (++nextId) + "\nevent: " + type + "\ndata: " + data.encode() + "\n\n";
  }

  private void write(Client client, String frame) {
    HttpServerResponse response = client.response;
    if (response.ended() || response.closed()) {
      clients.remove(response);
      return;
    }
    if (response.writeQueueFull()) {
      // a watcher that does not read: drop it rather than buffer without bound
      clients.remove(response);
      response.reset();
      return;
    }
    response.write(frame);
  }

  private void end(Client client) {
    clients.remove(client.response);
    if (!client.response.ended() && !client.response.closed()) {
      client.response.end();
    }
  }
}
