package dev.quiesce.lifecycle.impl;

import dev.quiesce.launcher.ExitCodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Builds the stop report: what finished, what was forced or timed out, and the outcome. */
final class StopReport {

  private final String trigger;
  private final String reason;
  private final long start;
  private final long deadlineMs;

  StopReport(String trigger, String reason, long start, long deadlineMs) {
    this.trigger = trigger;
    this.reason = reason;
    this.start = start;
    this.deadlineMs = deadlineMs;
  }

  JsonObject build(long end, JsonArray phases, JsonArray undeployed, JsonObject forcedBy, boolean deadlineHit) {
    JsonArray problems = new JsonArray();
    JsonArray children = new JsonArray();
    if (forcedBy != null) {
      problems.add("stop forced by a second trigger (" + forcedBy.getString("trigger") + ": "
          + forcedBy.getString("reason") + ")");
    }
    if (deadlineHit) {
      problems.add("the shutdown deadline of " + deadlineMs + " ms was reached");
    }
    for (Object p : phases) {
      JsonObject phase = (JsonObject) p;
      String name = phase.getString("phase");
      for (Object o : phase.getJsonArray("participants")) {
        JsonObject outcome = (JsonObject) o;
        String who = outcome.getString("participant");
        switch (outcome.getString("outcome")) {
          case "timed-out" -> problems.add("participant " + who + " timed out in phase " + name + " (budget "
              + phase.getLong("budgetMs") + " ms)");
          case "failed" -> problems.add("participant " + who + " failed in phase " + name + ": "
              + outcome.getString("reason"));
          case "forced" -> problems.add("participant " + who + " was cut short in phase " + name);
          default -> { }
        }
        JsonObject detail = outcome.getJsonObject("detail");
        if (detail != null) {
          if (Boolean.TRUE.equals(detail.getValue("forced"))) {
            problems.add("participant " + who + " had to force its work in phase " + name
                + (detail.getValue("forcedReason") instanceof String r ? ": " + r : ""));
          }
          if (detail.getValue("children") instanceof JsonArray list) {
            list.forEach(children::add);
          }
        }
      }
    }
    for (Object u : undeployed) {
      JsonObject entry = (JsonObject) u;
      if (!"done".equals(entry.getString("outcome"))) {
        problems.add(entry.getString("verticle") + " did not undeploy: " + entry.getString("outcome")
            + (entry.getValue("reason") instanceof String r ? " (" + r + ")" : ""));
      }
    }
    boolean graceful = problems.isEmpty();
    return new JsonObject()
        .put("trigger", trigger)
        .put("reason", reason)
        .put("start", start)
        .put("end", end)
        .put("durationMs", end - start)
        .put("deadlineMs", deadlineMs)
        .put("outcome", graceful ? "graceful" : "forced")
        .put("exitCode", graceful ? ExitCodes.GRACEFUL : ExitCodes.FORCED)
        .put("forcedBy", forcedBy)
        .put("problems", problems)
        .put("phases", phases)
        .put("undeployed", undeployed)
        .put("children", children);
  }
}
