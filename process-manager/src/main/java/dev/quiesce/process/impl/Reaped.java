package dev.quiesce.process.impl;

import io.vertx.core.AsyncResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** What was left of a child after it exited: members of its group killed, descendants outside it killed. */
record Reaped(int stragglers, JsonArray escapees) {

  int escapeesKilled() {
    return (int) escapees.stream().filter(e -> ((JsonObject) e).getBoolean("killed", false)).count();
  }

  /**
   * Puts {@code stragglersKilled} (0 when the reaping failed) into {@code json}, and
   * {@code escapeesKilled} and {@code escapees} when there were escapees; returns {@code json}.
   */
  static JsonObject putInto(JsonObject json, AsyncResult<Reaped> reaped) {
    json.put("stragglersKilled", reaped.succeeded() ? reaped.result().stragglers() : 0);
    if (reaped.succeeded() && !reaped.result().escapees().isEmpty()) {
      json.put("escapeesKilled", reaped.result().escapeesKilled()).put("escapees", reaped.result().escapees());
    }
    return json;
  }
}
