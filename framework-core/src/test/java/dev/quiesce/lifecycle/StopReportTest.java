package dev.quiesce.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The stop report as a type: its JSON is the documented one, and reads back to the same record. */
class StopReportTest {

  private static StopReport forcedReport() {
    ParticipantOutcome http = new ParticipantOutcome("http", Outcome.DONE, 2001, Optional.empty(),
        new JsonObject().put("completed", 3).put("aborted", 0));
    ParticipantOutcome processes = new ParticipantOutcome("processes", Outcome.DONE, 1200, Optional.empty(),
        new JsonObject().put("forced", true).put("children", new JsonArray().add(new JsonObject().put("pid", 42))));
    ParticipantOutcome slow = new ParticipantOutcome("slow", Outcome.FAILED, 10, Optional.of("disk full"), null);
    StopReport.Phase drain = new StopReport.Phase("drain", 7, 20000, 2001, false, List.of(http, slow));
    StopReport.Phase terminate = new StopReport.Phase("terminate", 8, 10000, 1200, false, List.of(processes));
    StopReport.Undeployed done = new StopReport.Undeployed("d1", "App", Outcome.DONE, OptionalLong.of(12),
        Optional.empty());
    StopReport.Undeployed abandoned = new StopReport.Undeployed("d2", "Stuck", Outcome.TIMED_OUT,
        OptionalLong.empty(), Optional.empty());
    return new StopReport(Trigger.SIGNAL, "SIGTERM", 1_000, 4_150, 30_000, StopOutcome.FORCED,
        Optional.of(new StopReport.ForcedBy(Trigger.EVENT_BUS, "again")), List.of("a problem"),
        List.of(drain, terminate), List.of(done, abandoned), List.of(new JsonObject().put("pid", 42)));
  }

  @Test
  void jsonHasTheDocumentedFieldsInTheirOrder() {
    JsonObject json = forcedReport().toJson();
    assertThat(json.fieldNames()).containsExactly("trigger", "reason", "start", "end", "durationMs", "deadlineMs",
        "outcome", "exitCode", "forcedBy", "problems", "phases", "undeployed", "children");
    assertThat(json.getString("trigger")).isEqualTo("signal");
    assertThat(json.getLong("durationMs")).isEqualTo(3_150L);
    assertThat(json.getString("outcome")).isEqualTo("forced");
    assertThat(json.getInteger("exitCode")).isEqualTo(3);
    assertThat(json.getJsonObject("forcedBy")).isEqualTo(new JsonObject().put("trigger", "event-bus")
        .put("reason", "again"));
    JsonObject drain = json.getJsonArray("phases").getJsonObject(0);
    assertThat(drain.fieldNames()).containsExactly("phase", "seq", "budgetMs", "durationMs", "forced", "participants");
    assertThat(drain.getJsonArray("participants").getJsonObject(1)).isEqualTo(new JsonObject()
        .put("participant", "slow").put("outcome", "failed").put("durationMs", 10).put("reason", "disk full"));
    assertThat(json.getJsonArray("undeployed").getJsonObject(1)).isEqualTo(new JsonObject()
        .put("deployment", "d2").put("verticle", "Stuck").put("outcome", "timed-out"));
  }

  @Test
  void jsonReadsBackToTheSameReport() {
    StopReport report = forcedReport();
    assertThat(StopReport.fromJson(report.toJson())).isEqualTo(report);
    assertThat(StopReport.fromJson(new JsonObject(report.toJson().encode())).toJson()).isEqualTo(report.toJson());
  }

  @Test
  void aGracefulReportHasNoForcedByAndExitCodeZero() {
    StopReport graceful = new StopReport(Trigger.SHUTDOWN_HOOK, "JVM shutdown", 1, 2, 30_000, StopOutcome.GRACEFUL,
        Optional.empty(), List.of(), List.of(), List.of(), List.of());
    JsonObject json = graceful.toJson();
    assertThat(json.containsKey("forcedBy")).isTrue();
    assertThat(json.getValue("forcedBy")).isNull();
    assertThat(json.getInteger("exitCode")).isZero();
    assertThat(StopReport.fromJson(json)).isEqualTo(graceful);
  }

  @Test
  void anUnknownValueIsNamedWithItsField() {
    JsonObject json = forcedReport().toJson().put("outcome", "timed-out");
    assertThatThrownBy(() -> StopReport.fromJson(json)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stop report: \"outcome\" has an unknown value \"timed-out\"");
    JsonObject participant = forcedReport().toJson();
    participant.getJsonArray("phases").getJsonObject(0).getJsonArray("participants").getJsonObject(0)
        .put("outcome", "maybe");
    assertThatThrownBy(() -> StopReport.fromJson(participant))
        .hasMessage("participant outcome: \"outcome\" has an unknown value \"maybe\"");
  }
}
