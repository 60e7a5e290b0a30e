package dev.quiesce.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class ConfigLoaderTest {

  @TempDir
  Path dir;

  private Path file(String json) throws Exception {
    Path f = dir.resolve("config.json");
    Files.writeString(f, json);
    return f;
  }

  private static Properties props(String... kv) {
    Properties p = new Properties();
    for (int i = 0; i < kv.length; i += 2) {
      p.setProperty(kv[i], kv[i + 1]);
    }
    return p;
  }

  @Test
  void laterSourcesWinDefaultsThenFileThenSystemPropertiesThenEnvironment(Vertx vertx) throws Exception {
    Path f = file("{\"lifecycle\":{\"shutdownTimeout\":\"10s\",\"stepTimeout\":\"2s\",\"reloadTimeout\":\"3s\"},"
        + "\"app\":{\"name\":\"x\"}}");
    ConfigLoader loader = new ConfigLoader(vertx, f.toString(),
        Map.of("QUIESCE_LIFECYCLE_RELOADTIMEOUT", "7s", "QUIESCE_APP_LIMIT", "5", "PATH", "/bin"),
        props("quiesce.lifecycle.stepTimeout", "4s", "quiesce.lifecycle.reloadTimeout", "6s", "java.x", "y"));

    LoadedConfig loaded = Await.result(loader.load());
    JsonObject lifecycle = loaded.config().getJsonObject("lifecycle");

    assertThat(lifecycle.getString("shutdownTimeout")).isEqualTo("10s");
    assertThat(lifecycle.getString("stepTimeout")).isEqualTo("4s");
    assertThat(lifecycle.getString("reloadTimeout")).isEqualTo("7s");
    assertThat(lifecycle.getJsonArray("phases")).hasSize(4);
    assertThat(loaded.config().getJsonObject("app")).isEqualTo(new JsonObject().put("name", "x").put("limit", 5));
    assertThat(loaded.sources()).containsExactly("defaults", "file " + f,
        "system property quiesce.lifecycle.reloadTimeout", "system property quiesce.lifecycle.stepTimeout",
        "env QUIESCE_APP_LIMIT", "env QUIESCE_LIFECYCLE_RELOADTIMEOUT");
  }

  @Test
  void environmentNamesMatchCamelCaseKeysWithoutRegardToCase(Vertx vertx) {
    ConfigLoader loader = new ConfigLoader(vertx, null,
        Map.of("QUIESCE_LIFECYCLE_REPORTFILE", "/tmp/r.json", "QUIESCE_LIFECYCLE_SIGNALS_HUP", "stop"), props());
    JsonObject lifecycle = Await.result(loader.load()).config().getJsonObject("lifecycle");
    assertThat(lifecycle.getString("reportFile")).isEqualTo("/tmp/r.json");
    assertThat(lifecycle.getJsonObject("signals").getString("HUP")).isEqualTo("stop");
  }

  @Test
  void absentDefaultFileIsFineButAnExplicitMissingFileIsAnError(Vertx vertx) {
    assertThat(Await.result(new ConfigLoader(vertx, null, Map.of(), props()).load()).sources())
        .containsExactly("defaults");
    Throwable failure = Await.failure(new ConfigLoader(vertx, dir.resolve("missing.json").toString(), Map.of(),
        props()).load());
    assertThat(failure).isInstanceOf(ConfigException.class).hasMessageContaining("missing.json: no such file");
  }

  @Test
  void malformedJsonAndANonObjectRootNameTheFile(Vertx vertx) throws Exception {
    Path f = file("{\"lifecycle\": {");
    assertThat(Await.failure(new ConfigLoader(vertx, f.toString(), Map.of(), props()).load()))
        .isInstanceOf(ConfigException.class).hasMessageContaining(f + ": ");
    Path array = file("[1, 2]");
    assertThat(Await.failure(new ConfigLoader(vertx, array.toString(), Map.of(), props()).load()))
        .isInstanceOf(ConfigException.class).hasMessageContaining(array.toString())
        .hasMessageContaining("the top level must be a JSON object ({…}), not an array");
    Path number = file("42");
    assertThat(Await.failure(new ConfigLoader(vertx, number.toString(), Map.of(), props()).load()))
        .hasMessageContaining("the top level must be a JSON object ({…}), not a number");
  }

  @Test
  void invalidOverrideIsReportedWithItsJsonPath(Vertx vertx) {
    Throwable failure = Await.failure(new ConfigLoader(vertx, null,
        Map.of("QUIESCE_LIFECYCLE_SHUTDOWNTIMEOUT", "soon"), props()).load());
    assertThat(failure).hasMessageContaining("lifecycle.shutdownTimeout: \"soon\" is not a duration");
  }

  @Test
  void aConfigPathThatIsADirectoryAFifoOrADeviceSaysWhatItIsInsteadOfNoSuchFile(Vertx vertx) throws Exception {
    Path directory = Files.createDirectory(dir.resolve("conf.d"));
    assertThat(Await.failure(new ConfigLoader(vertx, directory.toString(), Map.of(), props()).load()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--config " + directory + " is a directory, not a file");

    Path fifo = dir.resolve("config.fifo");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor()).isZero();
    assertThat(Await.failure(new ConfigLoader(vertx, fifo.toString(), Map.of(), props()).load()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--config " + fifo + " is a named pipe (FIFO), not a file");

    assertThat(Await.failure(new ConfigLoader(vertx, "/dev/null", Map.of(), props()).load()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--config /dev/null is a device, not a file");
  }

  @Test
  void aStringLongerThanTheParsersLimitIsNamedWithItsPathAndTheLimit(Vertx vertx) throws Exception {
    int limit = com.fasterxml.jackson.core.StreamReadConstraints.defaults().getMaxStringLength();
    Path f = dir.resolve("big.json");
    try (java.io.Writer w = Files.newBufferedWriter(f)) {
      w.write("{\"app\": {\"note\": \"");
      char[] chunk = new char[1 << 16];
      java.util.Arrays.fill(chunk, 'x');
      for (long written = 0; written <= limit; written += chunk.length) {
        w.write(chunk);
      }
      w.write("\"}}");
    }

    Throwable failure = Await.failure(new ConfigLoader(vertx, f.toString(), Map.of(), props()).load());

    assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining(f + ": the string at app.note is longer than the parser's limit of " + limit
            + " characters")
        .hasMessageNotContaining("not valid JSON").hasMessageNotContaining("StreamReadConstraints");
  }

  @Test
  void aReportFileThatCannotBeWrittenIsRefusedAtLoadNotFoundAtStop(Vertx vertx) throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("plain.txt"), "x");
    Map<String, String> refused = Map.of(
        dir.resolve("missing/report.json").toString(), "the directory " + dir.resolve("missing") + " does not exist",
        notADirectory.resolve("report.json").toString(), notADirectory + " is not a directory",
        dir.toString(), "is a directory; name a file in it",
        "/proc/quiesce-report.json", "cannot be written in /proc");
    for (Map.Entry<String, String> c : refused.entrySet()) {
      Throwable failure = Await.failure(new ConfigLoader(vertx, null, Map.of("QUIESCE_LIFECYCLE_REPORTFILE", c.getKey()),
          props()).load());
      assertThat(failure).as(c.getKey()).isInstanceOf(ConfigException.class)
          .hasMessageContaining("lifecycle.reportFile: ").hasMessageContaining(c.getValue());
    }
    String writable = dir.resolve("report.json").toString();
    assertThat(Await.result(new ConfigLoader(vertx, null, Map.of("QUIESCE_LIFECYCLE_REPORTFILE", writable), props())
        .load()).config().getJsonObject("lifecycle").getString("reportFile")).isEqualTo(writable);
    try (java.util.stream.Stream<Path> left = Files.list(dir)) {
      assertThat(left).as("the check leaves nothing behind").containsExactlyInAnyOrder(notADirectory);
    }
  }

  /**
   * Issue 11 review: a section's checks may touch the file system (the report file's does), so
   * validation runs on a worker thread even when the load is asked for on an event loop, as at
   * start (the bootstrap Vert.x) and at a reload.
   */
  @Test
  void sectionsAreValidatedOnAWorkerThreadNotOnAnEventLoop(Vertx vertx) {
    List<String> threads = new CopyOnWriteArrayList<>();
    ConfigSection probe = new ConfigSection("probe", JsonObject::new, root -> threads.add(
        (Context.isOnEventLoopThread() ? "event loop " : Context.isOnWorkerThread() ? "worker " : "other ")
            + Thread.currentThread().getName())) {
    };
    ConfigLoader loader = new ConfigLoader(vertx, null, Map.of(), props(), List.of(probe));

    Promise<LoadedConfig> loaded = Promise.promise();
    vertx.runOnContext(v -> loader.load().onComplete(loaded));
    Await.result(loaded.future());

    assertThat(threads).singleElement().asString().startsWith("worker ");
  }

  @Test
  void nestingBeyondTheParsersLimitSaysSoWithTheLimitAndWhere(Vertx vertx) throws Exception {
    int limit = com.fasterxml.jackson.core.StreamReadConstraints.defaults().getMaxNestingDepth();
    Path f = file("{\"app\":" + "[".repeat(limit + 5) + "]".repeat(limit + 5) + "}");

    Throwable failure = Await.failure(new ConfigLoader(vertx, f.toString(), Map.of(), props()).load());

    assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining(f + ": objects and arrays are nested deeper than the parser's limit of " + limit
            + " (at line 1, column ")
        .hasMessageNotContaining("StreamReadConstraints");
    assertThat(failure.getMessage()).hasSizeLessThan(300);
  }
}
