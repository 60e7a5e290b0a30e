package dev.quiesce.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The framework's stop report of one run, read back from {@code lifecycle.reportFile}. */
final class StopReport {

  private StopReport() {
  }

  static JsonObject read(Path file) {
    try {
      return new JsonObject(Files.readString(file));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The duration of {@code phase} in ms, or NaN. */
  static double phaseMs(JsonObject report, String phase) {
    if (report == null) {
      return Double.NaN;
    }
    for (Object p : report.getJsonArray("phases")) {
      JsonObject o = (JsonObject) p;
      if (phase.equals(o.getString("phase"))) {
        return o.getLong("durationMs");
      }
    }
    return Double.NaN;
  }

  /** Milliseconds from the report's start to the start of {@code phase} (the sum of the phases before it). */
  static double phaseStartMs(JsonObject report, String phase) {
    if (report == null) {
      return Double.NaN;
    }
    long sum = 0;
    for (Object p : report.getJsonArray("phases")) {
      JsonObject o = (JsonObject) p;
      if (phase.equals(o.getString("phase"))) {
        return sum;
      }
      sum += o.getLong("durationMs");
    }
    return Double.NaN;
  }

  /** The detail of {@code participant} in {@code phase}, or an empty object. */
  static JsonObject detail(JsonObject report, String phase, String participant) {
    if (report != null) {
      for (Object p : report.getJsonArray("phases")) {
        JsonObject o = (JsonObject) p;
        if (phase.equals(o.getString("phase"))) {
          for (Object q : o.getJsonArray("participants")) {
            JsonObject part = (JsonObject) q;
            if (participant.equals(part.getString("participant")) && part.getJsonObject("detail") != null) {
              return part.getJsonObject("detail");
            }
          }
        }
      }
    }
    return new JsonObject();
  }
}
