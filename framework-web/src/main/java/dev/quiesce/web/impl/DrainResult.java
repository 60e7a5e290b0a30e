package dev.quiesce.web.impl;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What one drain did, for the acknowledgement detail and the metrics. Every request that was in
 * flight when the drain began, or was accepted during it, is either completed or aborted:
 * {@code inFlightAtStart + acceptedDuringDrain == completed + aborted}.
 *
 * @param inFlightAtStart requests being served when the drain began
 * @param acceptedDuringDrain requests that arrived on open connections after it began
 * @param completed requests whose response was ended normally
 * @param aborted requests cut at the budget, or whose connection closed before their response ended
 * @param connectionsClosed connections that closed while the drain ran (idle ones at once, busy ones
 *     after their response, the rest at the budget)
 * @param websockets WebSockets told "going away" (1001)
 * @param streams long-lived responses told to end: server-sent-event streams ended with the final
 *     event, and responses with an {@link dev.quiesce.web.HttpDrain#onDrain} handler
 * @param durationMs how long the drain took
 */
public record DrainResult(long inFlightAtStart, long acceptedDuringDrain, long completed, long aborted,
    long connectionsClosed, long websockets, long streams, long durationMs) {

  public static final DrainResult NONE = new DrainResult(0, 0, 0, 0, 0, 0, 0, 0);

  /** The sum of two drains that ran side by side (durations: the longer). */
  public DrainResult plus(DrainResult other) {
    return new DrainResult(inFlightAtStart + other.inFlightAtStart, acceptedDuringDrain + other.acceptedDuringDrain,
        completed + other.completed, aborted + other.aborted, connectionsClosed + other.connectionsClosed,
        websockets + other.websockets, streams + other.streams, Math.max(durationMs, other.durationMs));
  }

  /** Waits for every drain run side by side and sums them; fails when one of them failed. */
  public static Future<DrainResult> sumOf(List<Future<DrainResult>> drains) {
    return Future.join(drains).map(all -> {
      DrainResult sum = NONE;
      for (Future<DrainResult> f : drains) {
        sum = sum.plus(f.result());
      }
      return sum;
    });
  }

  /** {@code {"completed":N,"aborted":N,"connectionsClosed":N,"websockets":N,"streams":N,...}}. */
  public JsonObject toJson() {
    return new JsonObject().put("completed", completed).put("aborted", aborted)
        .put("connectionsClosed", connectionsClosed).put("websockets", websockets).put("streams", streams)
        .put("inFlightAtStart", inFlightAtStart).put("acceptedDuringDrain", acceptedDuringDrain)
        .put("durationMs", durationMs);
  }
}
