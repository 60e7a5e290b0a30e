package dev.quiesce.cluster.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stop report file's {@code cluster} part, added after the leave: only to this stop's report. */
class ReportClusterPartTest {

  private static final long START = 1_765_000_000_000L;

  @TempDir
  Path dir;

  @Test
  void thePartIsAddedToThisStopsReportAndTheRestIsKept() throws IOException {
    Path file = dir.resolve("report.json");
    Files.writeString(file, new JsonObject().put("start", START).put("end", START + 900).put("outcome", "graceful")
        .encode() + "\n");

    Optional<String> why = ReportClusterPart.add(file, START, new JsonObject().put("leftAt", START + 1000));

    assertThat(why).isEmpty();
    JsonObject report = new JsonObject(Files.readString(file));
    assertThat(report.getString("outcome")).isEqualTo("graceful");
    assertThat(report.getLong("end")).isEqualTo(START + 900);
    assertThat(report.getJsonObject("cluster").getLong("leftAt")).isEqualTo(START + 1000);
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).as("no temporary file left beside the report").containsExactly(file);
    }
  }

  @Test
  void theRewrittenFileKeepsTheReportsPermissionsAndAStaleTemporaryFileIsReplaced() throws IOException {
    Path file = dir.resolve("report.json");
    Files.writeString(file, new JsonObject().put("start", START).encode());
    Set<PosixFilePermission> mode = PosixFilePermissions.fromString("rw-r--r--");
    Files.setPosixFilePermissions(file, mode);
    Files.writeString(dir.resolve("report.json" + ReportClusterPart.TEMP_SUFFIX), "left by an interrupted rewrite");

    assertThat(ReportClusterPart.add(file, START, new JsonObject().put("leftAt", 1))).isEmpty();

    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(mode);
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).containsExactly(file);
    }
  }

  @Test
  void anotherStopsReportIsLeftAsItWasAndTheReasonNamesBothStarts() throws IOException {
    Path file = dir.resolve("report.json");
    String earlier = new JsonObject().put("start", START - 60_000).put("outcome", "graceful").encode() + "\n";
    Files.writeString(file, earlier);

    Optional<String> why = ReportClusterPart.add(file, START, new JsonObject().put("leftAt", 1));

    assertThat(why).hasValueSatisfying(w -> assertThat(w).contains(file.toString()).contains("not this stop's report")
        .contains(String.valueOf(START - 60_000)).contains(String.valueOf(START)));
    assertThat(Files.readString(file)).isEqualTo(earlier);
  }

  @Test
  void aMissingOrBrokenFileIsSaidAndNotCreated() throws IOException {
    Path missing = dir.resolve("none.json");
    assertThat(ReportClusterPart.add(missing, START, new JsonObject())).hasValueSatisfying(w ->
        assertThat(w).contains("there is no report file").contains(missing.toString()));
    assertThat(missing).doesNotExist();

    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"start\":" + START + ", trunc");
    assertThat(ReportClusterPart.add(broken, START, new JsonObject())).hasValueSatisfying(w ->
        assertThat(w).contains("is not a JSON object").contains(broken.toString()));
    assertThat(Files.readString(broken)).isEqualTo("{\"start\":" + START + ", trunc");
  }

  @Test
  void thePartHasTheWithdrawalTheCountsAndTheLeaveOrItsFailure() {
    JsonObject withdrawal = new JsonObject().put("withdrawnAt", START + 20).put("confirmedAt", START + 40);
    JsonObject counts = new JsonObject().put("stragglers", 3).put("lost", 0);

    JsonObject left = NodeLeave.clusterPart("node-b", Future.succeededFuture(
        new LeavingClusterManager.Left(START + 700, 55)), Optional.of(withdrawal), counts.copy().put("countedSince",
        START + 20));
    assertThat(left.getString("nodeId")).isEqualTo("node-b");
    assertThat(left.getLong("countedSince")).isEqualTo(START + 20);
    assertThat(left.getLong("withdrawnAt")).isEqualTo(START + 20);
    assertThat(left.getLong("confirmedAt")).isEqualTo(START + 40);
    assertThat(left.getLong("stragglers")).isEqualTo(3);
    assertThat(left.getLong("lost")).isZero();
    assertThat(left.getLong("leftAt")).isEqualTo(START + 700);
    assertThat(left.getLong("leaveTookMs")).isEqualTo(55);
    assertThat(withdrawal.containsKey("leftAt")).as("the withdrawal given is not changed").isFalse();

    JsonObject failed = NodeLeave.clusterPart("node-b", Future.failedFuture(
        new IllegalStateException("hazelcast is gone")), Optional.empty(), counts.copy().put("countedSince", 0));
    assertThat(failed.getString("leaveFailure")).contains("hazelcast is gone");
    assertThat(failed.containsKey("leftAt")).isFalse();
    assertThat(failed.containsKey("withdrawnAt")).as("no stop ran the withdrawal").isFalse();
    assertThat(failed.containsKey("countedSince")).as("nothing was counted since a withdrawal").isFalse();
    assertThat(failed.getString("nodeId")).isEqualTo("node-b");
  }
}
