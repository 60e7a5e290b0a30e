package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.LifecycleCommand;
import io.vertx.core.json.JsonObject;

/** Parses the requests of {@code quiesce.lifecycle}; anything malformed is refused with code 400. */
final class Commands {

  private static final int MAX_REASON = EventBusContract.MAX_REASON_LENGTH;

  record Command(LifecycleCommand command, String reason) {
  }

  private Commands() {
  }

  static Command parse(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw new CommandRefused(400, "a command must be a JSON object such as {\"command\":\"stop\",\"reason\":\"…\"}"
          + ", not " + (body == null ? "an empty body" : body.getClass().getSimpleName()));
    }
    for (String key : json.fieldNames()) {
      if (!"command".equals(key) && !"reason".equals(key)) {
        throw new CommandRefused(400, "unknown field \"" + cut(key) + "\"; a command has only \"command\" and \"reason\"");
      }
    }
    Object command = json.getValue("command");
    if (!(command instanceof String name)) {
      throw new CommandRefused(400, "\"command\" must be a string, one of " + LifecycleCommand.wireNames());
    }
    LifecycleCommand parsed = LifecycleCommand.fromWire(name).orElseThrow(() -> new CommandRefused(400,
        "unknown command \"" + cut(name) + "\"; use one of " + LifecycleCommand.wireNames()));
    Object reason = json.getValue("reason");
    if (reason != null && !(reason instanceof String)) {
      throw new CommandRefused(400, "\"reason\" must be a string");
    }
    String text = (String) reason;
    if (text != null && text.length() > MAX_REASON) {
      throw new CommandRefused(400, "\"reason\" is longer than " + MAX_REASON + " characters");
    }
    return new Command(parsed, text);
  }

  /** Cuts untrusted text for a message or a log line. */
  static String cut(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "…" : s;
  }
}
