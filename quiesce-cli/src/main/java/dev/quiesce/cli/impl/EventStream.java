package dev.quiesce.cli.impl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The {@code text/event-stream} of {@code GET /lifecycle/events}, read on a daemon thread: each
 * event as its {@code event:} name and its {@code data:} JSON. {@link #next} waits for the next
 * event until a deadline; the stream ending (or breaking off) is an {@link Item.End}.
 */
public final class EventStream implements AutoCloseable {

  /** What the stream gives next. */
  public sealed interface Item {
    /** One event: its name ({@code status}, {@code phase-start}, … {@code report}) and its data. */
    record Event(String name, Map<String, Object> data, String rawData) implements Item {
    }

    /** The stream ended: normally (after the report) or broken off ({@code error} says how). */
    record End(Optional<String> error) implements Item {
    }

    /** Nothing came before the deadline. */
    record TimedOut() implements Item {
    }
  }

  private final InputStream body;
  private final LinkedBlockingQueue<Item> items = new LinkedBlockingQueue<>();

  EventStream(InputStream body, String name) {
    this.body = body;
    Thread reader = new Thread(this::read, "quiesce-events " + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** The next event, the end, or {@link Item.TimedOut} at {@code deadline}. */
  public Item next(Instant deadline) {
    long ms = Duration.between(Instant.now(), deadline).toMillis();
    try {
      Item item = ms <= 0 ? items.poll() : items.poll(ms, TimeUnit.MILLISECONDS);
      if (item instanceof Item.End) {
        items.add(item); // the end stays the end
      }
      return item == null ? new Item.TimedOut() : item;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Item.TimedOut();
    }
  }

  private void read() {
    String event = null;
    StringBuilder data = new StringBuilder();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            String raw = data.toString();
            items.add(new Item.Event(event == null ? "message" : event, Json.object(raw).orElse(Map.of()), raw));
          }
          event = null;
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          event = field(line, 6);
        } else if (line.startsWith("data:")) {
          if (data.length() > 0) {
            data.append('\n');
          }
          data.append(field(line, 5));
        }
        // "id:", "retry:" and ": comments" (the heartbeat) carry nothing the CLI uses
      }
      items.add(new Item.End(Optional.empty()));
    } catch (IOException e) {
      items.add(new Item.End(Optional.of(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
    }
  }

  private static String field(String line, int start) {
    String value = line.substring(start);
    return value.startsWith(" ") ? value.substring(1) : value;
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException e) {
      // closing a stream that broke off: nothing more to do
    }
  }
}
