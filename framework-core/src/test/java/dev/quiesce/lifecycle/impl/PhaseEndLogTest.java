package dev.quiesce.lifecycle.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The line that logs a phase's end shows each participant's detail with its lists by size: a stop
 * with 200 children would otherwise encode their 200 entries for the log line as well as for the
 * phase event and the report, at the end of the stop (issue 13). The recorded outcomes keep them.
 */
class PhaseEndLogTest {

  @Test
  void aListInADetailIsLoggedByItsSizeAndKeptInTheOutcome() {
    long now = System.currentTimeMillis();
    Round round = new Round(null, "terminate", 7, now, now + 10_000, false,
        ParticipantOrder.plan(Map.of(), Set.of("processes", "http"), now, now + 10_000), (to, until, forced) -> { });
    round.announce();
    JsonArray children = new JsonArray().add(new JsonObject().put("pid", 1)).add(new JsonObject().put("pid", 2));
    round.ack("processes", new JsonObject().put("participant", "processes").put("seq", 7)
        .put("detail", new JsonObject().put("children", children).put("killed", 0)));
    round.ack("http", new JsonObject().put("participant", "http").put("seq", 7)
        .put("detail", new JsonObject().put("completed", 3)));

    JsonArray logged = round.participantsLogJson();

    assertThat(logged.getJsonObject(0).getJsonObject("detail"))
        .isEqualTo(new JsonObject().put("children", "2 entries").put("killed", 0));
    assertThat(logged.getJsonObject(1).getJsonObject("detail")).isEqualTo(new JsonObject().put("completed", 3));
    assertThat(round.participantsJson().getJsonObject(0).getJsonObject("detail").getJsonArray("children"))
        .isEqualTo(children);
  }
}
