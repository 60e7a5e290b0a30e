package dev.quiesce.cli.impl;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Short texts for people: a stop report, a reload or upgrade outcome, a status, a progress line. */
public final class Summaries {

  private Summaries() {
  }

  /**
   * A stop report in a few lines: outcome, exit code, trigger and duration; one line per phase
   * (its duration against its budget, each participant's outcome); the children; the problems.
   */
  public static String report(Map<String, Object> report) {
    StringBuilder out = new StringBuilder();
    out.append("stop ").append(Json.string(report, "outcome", "?"))
        .append(" in ").append(Json.number(report, "durationMs", -1)).append(" ms")
        .append(" (exit code ").append(Json.number(report, "exitCode", -1)).append(")")
        .append(", trigger ").append(Json.string(report, "trigger", "?"));
    String reason = Json.string(report, "reason", "");
    if (!reason.isEmpty()) {
      out.append(": ").append(reason);
    }
    out.append('\n');
    for (Map<String, Object> phase : Json.objects(report, "phases")) {
      String participants = Json.objects(phase, "participants").stream()
          .map(p -> Json.string(p, "participant", "?") + " " + Json.string(p, "outcome", "?"))
          .collect(Collectors.joining(", "));
      out.append(String.format("  %-10s %6d ms of %6d ms%s  %s%n", Json.string(phase, "phase", "?"),
          Json.number(phase, "durationMs", -1), Json.number(phase, "budgetMs", -1),
          Boolean.TRUE.equals(phase.get("forced")) ? " forced" : "", participants.isEmpty() ? "-" : participants));
    }
    List<Map<String, Object>> children = Json.objects(report, "children");
    if (!children.isEmpty()) {
      long forced = children.stream().filter(c -> Boolean.TRUE.equals(c.get("forced"))).count();
      out.append("  children: ").append(children.size()).append(" stopped, ").append(forced).append(" forced\n");
    }
    List<?> problems = report.get("problems") instanceof List<?> l ? l : List.of();
    if (problems.isEmpty()) {
      out.append("  no problems\n");
    } else {
      problems.forEach(p -> out.append("  problem: ").append(p).append('\n'));
    }
    return out.toString();
  }

  /** A {@code reload} event: outcome, duration, each participant's outcome, the error if any. */
  public static String reload(Map<String, Object> event) {
    StringBuilder out = new StringBuilder("reload ").append(Json.string(event, "outcome", "?"));
    if (event.containsKey("durationMs")) {
      out.append(" in ").append(Json.number(event, "durationMs", -1)).append(" ms");
    }
    String participants = Json.objects(event, "participants").stream()
        .map(p -> Json.string(p, "participant", "?") + " " + Json.string(p, "outcome", "?")
            + (p.get("reason") instanceof String r ? " (" + r + ")" : ""))
        .collect(Collectors.joining(", "));
    if (!participants.isEmpty()) {
      out.append(": ").append(participants);
    }
    out.append('\n');
    String error = Json.string(event, "error", "");
    if (!error.isEmpty()) {
      out.append("  error: ").append(error).append('\n');
    }
    if (event.get("problems") instanceof List<?> problems) {
      problems.forEach(p -> out.append("  problem: ").append(p instanceof Map<?, ?> ? Json.compact(p) : p).append('\n'));
    }
    return out.toString();
  }

  /** An {@code upgrade} event: outcome, the successor, the error if any. */
  public static String upgrade(Map<String, Object> event) {
    StringBuilder out = new StringBuilder("upgrade ").append(Json.string(event, "outcome", "?"));
    if (event.get("successorPid") instanceof Number pid) {
      out.append(": successor pid ").append(pid.longValue());
    }
    if (event.containsKey("durationMs")) {
      out.append(" after ").append(Json.number(event, "durationMs", -1)).append(" ms");
    }
    out.append('\n');
    String error = Json.string(event, "error", "");
    if (!error.isEmpty()) {
      out.append("  error: ").append(error).append('\n');
    }
    return out.toString();
  }

  /** {@code GET /lifecycle/status} in a few lines. */
  public static String status(Map<String, Object> status) {
    StringBuilder out = new StringBuilder(Json.string(status, "state", "UNKNOWN"));
    out.append(Boolean.TRUE.equals(status.get("ready")) ? ", ready" : ", not ready");
    out.append(", ").append(Json.number(status, "inFlightRequests", 0)).append(" request(s) in flight");
    if (status.get("phase") instanceof String phase) {
      out.append(", phase ").append(phase).append(", ").append(Json.number(status, "timeLeftMs", -1))
          .append(" ms left");
    }
    if (Boolean.TRUE.equals(status.get("reloading"))) {
      out.append(", reloading");
    }
    if (Boolean.TRUE.equals(status.get("upgrading"))) {
      out.append(", upgrading");
    }
    out.append('\n');
    String error = Json.string(status, "error", "");
    if (!error.isEmpty()) {
      out.append("  error: ").append(error).append('\n');
    }
    if (status.get("participants") instanceof List<?> participants && !participants.isEmpty()) {
      out.append("  participants: ").append(participants.stream().map(String::valueOf)
          .collect(Collectors.joining(", "))).append('\n');
    }
    String phases = Json.objects(status, "phases").stream()
        .map(p -> Json.string(p, "name", "?") + " " + Json.number(p, "budgetMs", -1) + " ms")
        .collect(Collectors.joining(", "));
    if (!phases.isEmpty()) {
      out.append("  stop plan: ").append(phases).append('\n');
    }
    return out.toString();
  }

  /** One line of progress during a wait, or null for events that need none. */
  public static String progress(String name, Map<String, Object> data) {
    return switch (name) {
      case "state" -> "state " + Json.string(data, "from", "?") + " -> " + Json.string(data, "to", "?")
          + " (" + Json.string(data, "reason", "") + ")";
      case "phase-start" -> "phase " + Json.string(data, "phase", "?") + " begins, budget "
          + Json.number(data, "budgetMs", -1) + " ms" + (Boolean.TRUE.equals(data.get("forced")) ? ", forced" : "");
      case "phase-end" -> "phase " + Json.string(data, "phase", "?") + " ended after "
          + Json.number(data, "durationMs", -1) + " ms";
      case "upgrade" -> "upgrade " + Json.string(data, "outcome", "?");
      default -> null;
    };
  }

  /** {@code GET /fleet/status}: one line per node, then the operation running and the last one. */
  public static String fleetStatus(Map<String, Object> status) {
    List<Map<String, Object>> nodes = Json.objects(status, "nodes");
    long ready = nodes.stream().filter(n -> Boolean.TRUE.equals(n.get("ready"))).count();
    StringBuilder out = new StringBuilder("fleet: ").append(nodes.size()).append(" node(s), ").append(ready)
        .append(" ready\n");
    for (Map<String, Object> node : nodes) {
      String address = Json.string(node, "address", "");
      long uptime = Json.number(node, "uptimeMs", -1);
      long inFlight = Json.number(node, "inFlightRequests", -1);
      out.append(String.format("  %-21s node %-8s %-12s %-5s %s, up %s, %s request(s) in flight%s%s%n",
          address.isEmpty() ? "?" : address, shortId(Json.string(node, "nodeId", "?")), Json.string(node, "state", "?"),
          Boolean.TRUE.equals(node.get("ready")) ? "ready" : "-", Json.string(node, "version", "?"),
          uptime > 0 ? uptime / 1000 + " s" : "?", inFlight >= 0 ? Long.toString(inFlight) : "?",
          children(Json.object(node, "children")),
          node.get("problem") instanceof String p ? " (" + p + ")" : ""));
    }
    Map<String, Object> running = Json.object(status, "operation");
    if (!running.isEmpty()) {
      out.append("running: ").append(operationLine(running)).append('\n').append(fleetSteps(running));
    }
    Map<String, Object> last = Json.object(status, "lastOperation");
    if (!last.isEmpty()) {
      out.append("last: ").append(operationLine(last)).append('\n');
    }
    return out.toString();
  }

  /** A fleet operation's report, ended: its outcome, its failure, one line per step. */
  public static String fleetOperation(Map<String, Object> report) {
    return operationLine(report) + "\n" + fleetSteps(report);
  }

  /** One line per step of a fleet operation's report: node address, outcome, detail. */
  public static String fleetSteps(Map<String, Object> report) {
    StringBuilder out = new StringBuilder();
    Json.objects(report, "steps").forEach(step -> out.append(fleetStep(step)).append('\n'));
    return out.toString();
  }

  /** One step of a fleet operation: node address, outcome, its duration once ended, detail. */
  public static String fleetStep(Map<String, Object> step) {
    long started = Json.number(step, "startedAt", 0);
    long ended = Json.number(step, "endedAt", 0);
    return String.format("  %-21s %-12s%s%s", Json.string(step, "address", "?"), Json.string(step, "outcome", "?"),
        started > 0 && ended >= started ? " " + (ended - started) + " ms" : "",
        step.get("detail") instanceof String d ? ": " + d : "").stripTrailing();
  }

  private static String operationLine(Map<String, Object> report) {
    long started = Json.number(report, "startedAt", 0);
    long ended = Json.number(report, "endedAt", 0);
    return Json.string(report, "operation", "?") + " " + Json.string(report, "id", "?") + " "
        + Json.string(report, "outcome", "?") + (ended >= started && ended > 0 ? " in " + (ended - started) + " ms" : "")
        + (report.get("failure") instanceof String f ? ": " + f : "");
  }

  /** The first 8 characters of a node id: enough to tell the nodes of a fleet apart. */
  private static String shortId(String nodeId) {
    return nodeId.length() > 8 ? nodeId.substring(0, 8) : nodeId;
  }

  private static String children(Map<String, Object> groups) {
    if (groups.isEmpty()) {
      return "";
    }
    return ", children " + groups.entrySet().stream()
        .map(g -> g.getKey() + " " + (g.getValue() instanceof Map<?, ?> m ? m.get("ready") + "/" + m.get("desired") : "?"))
        .collect(Collectors.joining(", "));
  }
}
