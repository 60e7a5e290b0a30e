package dev.quiesce.process.impl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The detail of the terminate phase's acknowledgement, from the stop results of the children. */
final class TerminateDetail {

  private TerminateDetail() {
  }

  /**
   * {@code children} (one entry per child that was running), {@code stopped}, {@code killed}
   * (leaders killed at the end of their ladder, stragglers and escapees), {@code forcedChildren},
   * {@code stragglersKilled}, {@code escapeesKilled}, {@code durationMs}, {@code forced} (whenever a
   * process was killed) and then a {@code forcedReason} that says which and why.
   */
  static JsonObject of(List<JsonObject> children, long durationMs) {
    int killed = 0;
    int forcedChildren = 0;
    int stragglers = 0;
    int escapees = 0;
    Map<String, Integer> forcedByGroup = new LinkedHashMap<>();
    for (JsonObject c : children) {
      int s = c.getInteger("stragglersKilled", 0);
      stragglers += s;
      killed += s;
      int e = c.getInteger("escapeesKilled", 0);
      escapees += e;
      killed += e;
      if (c.getBoolean("forced", false)) {
        forcedChildren++;
        killed++;
        forcedByGroup.merge(c.getString("group"), 1, Integer::sum);
      }
    }
    JsonObject d = new JsonObject().put("children", new JsonArray(new ArrayList<>(children)))
        .put("stopped", children.size()).put("killed", killed).put("forcedChildren", forcedChildren)
        .put("stragglersKilled", stragglers).put("escapeesKilled", escapees).put("durationMs", durationMs)
        .put("forced", killed > 0);
    if (killed > 0) {
      List<String> reasons = new ArrayList<>();
      forcedByGroup.forEach((g, n) -> reasons.add(n + (n == 1 ? " child" : " children") + " of group " + g
          + " killed at the end of the stop ladder"));
      if (stragglers > 0) {
        reasons.add(stragglers + " process" + (stragglers == 1 ? "" : "es")
            + " left in the group of an exited child killed");
      }
      if (escapees > 0) {
        reasons.add(escapees + " process" + (escapees == 1 ? "" : "es")
            + " that had left the process group of a child (setsid or setpgid) killed");
      }
      d.put("forcedReason", String.join("; ", reasons));
    }
    return d;
  }
}
