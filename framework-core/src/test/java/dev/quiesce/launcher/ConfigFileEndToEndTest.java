package dev.quiesce.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.JvmProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * YAML configuration files and {@code lifecycle.watchConfig}, with the launcher running
 * {@link TestApplication} as its own JVM: real files, real edits, a real ConfigMap-style symlink swap.
 */
@Tag("e2e")
class ConfigFileEndToEndTest {

  private static final Duration START = Duration.ofSeconds(30);
  private static final Duration RELOAD = Duration.ofSeconds(20);
  private static final String STARTED = "quiesce started pid=(\\d+)";
  private static final String HUP_STOPS = "reload: signals now TERM->stop INT->stop HUP->stop";

  @TempDir
  Path dir;

  /** A YAML configuration: the report file, a 5 s deadline, no signal debounce, then {@code more} lines. */
  private String yaml(String more) {
    return """
        # written by ConfigFileEndToEndTest
        lifecycle:
          reportFile: "%s"
          shutdownTimeout: 5s
          signalDebounce: 0s
        %s""".formatted(dir.resolve("report.json"), more.indent(0));
  }

  /** The lifecycle keys that turn the watch on, with that debounce. */
  private static String watching(String debounce) {
    return "  watchConfig: true\n  watchConfigDebounce: " + debounce + "\n";
  }

  /** Starts the application on a watched {@code config} and waits until the watch runs. */
  private JvmProcess startWatching(Path config) throws IOException {
    JvmProcess app = start(config);
    app.awaitLine(STARTED, START);
    app.awaitLine("watching the config file " + Pattern.quote(config.toString()), START);
    return app;
  }

  private JvmProcess start(Path config) throws IOException {
    return JvmProcess.start(dir, List.of(), TestApplication.class.getName(), List.of("--config", config.toString()),
        Map.of());
  }

  private JsonObject report() throws IOException {
    return new JsonObject(Files.readString(dir.resolve("report.json")));
  }

  private static int count(String output, String regex) {
    return (int) Pattern.compile(regex).matcher(output).results().count();
  }

  @Test
  void aYamlConfigurationStartsAndItsValuesApply() throws Exception {
    Path config = Files.writeString(dir.resolve("config.yml"), yaml("""
          signals:
            HUP: stop
        testApp:
          drainMs: 300
        """));
    try (JvmProcess app = start(config)) {
      app.awaitLine(STARTED, START);
      assertThat(app.output()).contains("file " + config).contains("signals: TERM->stop INT->stop HUP->stop");

      app.signal("HUP");

      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
      JsonObject report = report();
      assertThat(report.getString("reason")).isEqualTo("SIGHUP");
      assertThat(report.encode()).contains("\"drainedMs\":300");
    }
  }

  @Test
  void aBadYamlValueExits78NamingItsJsonPath() throws Exception {
    Path config = Files.writeString(dir.resolve("config.yaml"), yaml("""
          phases:
            - name: announce
              timeout: 0s
            - name: drain
              timeout: 5 sec
        """));
    try (JvmProcess app = start(config)) {
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.INVALID_CONFIG);
      assertThat(app.output()).contains("lifecycle.phases[1].timeout: \"5 sec\" is not a duration")
          .doesNotContain("TESTAPP ready");
    }
  }

  @Test
  void aYamlSyntaxErrorExits78NamingTheFileAndTheLineAndAnUnknownExtensionNamesTheAcceptedOnes() throws Exception {
    // line 7 opens a flow sequence that line 8 does not continue: the parser stops at line 8's ':'
    Path config = Files.writeString(dir.resolve("config.yaml"), yaml("""
        testApp:
          drainMs: [300
          port: 1
        """));
    try (JvmProcess app = start(config)) {
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.INVALID_CONFIG);
      assertThat(app.output()).containsPattern(Pattern.quote(config + ": not valid YAML at line 8, column ") + "\\d+")
          .doesNotContain("TESTAPP ready");
    }
    Path conf = Files.writeString(dir.resolve("config.conf"), "{}");
    try (JvmProcess app = start(conf)) {
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.INVALID_CONFIG);
      assertThat(app.output()).contains(conf + ": unknown configuration file extension; use one of .json, .yaml, .yml");
    }
  }

  @Test
  void aBurstOfWritesToTheWatchedFileIsOneReloadOfTheLastContentAndTheWatchEndsAtTheStop() throws Exception {
    String watched = watching("2s");
    Path config = Files.writeString(dir.resolve("config.yaml"), yaml(watched));
    try (JvmProcess app = startWatching(config)) {

      // an editor that saves in several writes: 8 versions within about 0.4 s (well under the 2 s debounce),
      // only the last maps HUP to stop
      for (int version = 1; version <= 8; version++) {
        String signals = version == 8 ? "  signals:\n    HUP: stop\n" : "";
        Files.writeString(config, yaml(watched + signals + "testApp:\n  version: " + version + "\n"));
        TimeUnit.MILLISECONDS.sleep(50); // the burst's shape, not a wait for anything
      }

      app.awaitLine(HUP_STOPS, RELOAD);
      app.awaitLine("TESTAPP reload done \\(config file changed: " + Pattern.quote(config.toString()) + "\\)", RELOAD);
      app.signal("HUP");

      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
      String output = app.output();
      assertThat(count(output, "TESTAPP reload ")).as("one reload for the burst:\n" + output).isEqualTo(1);
      assertThat(count(output, "config file .* changed \\(\\d+ directory events")).isEqualTo(1);
      assertThat(output).contains("no longer watching the config file " + config);
      assertThat(report().getString("reason")).isEqualTo("SIGHUP");
    }
  }

  @Test
  void aBrokenEditKeepsTheRunningConfigurationAndSaysSoThenTheFixedFileApplies() throws Exception {
    String watched = watching("300ms");
    Path config = Files.writeString(dir.resolve("config.yaml"), yaml(watched));
    try (JvmProcess app = startWatching(config)) {

      Files.writeString(config, yaml(watched + "  shutdownTimeout: [5s\n"));

      app.awaitLine("TESTAPP reload failed \\(config file changed: .*\\) error: .*" + Pattern.quote(config.toString())
          + ": not valid YAML at line \\d+", RELOAD);
      app.awaitLine("reload failed, still running on the previous configuration: .*not valid YAML", RELOAD);
      assertThat(app.isAlive()).isTrue();

      Files.writeString(config, yaml(watched + "  signals:\n    HUP: stop\n"));

      app.awaitLine(HUP_STOPS, RELOAD);
      app.awaitLine("TESTAPP reload done", RELOAD);
      app.signal("HUP");
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  @Test
  void aReloadTurnsTheWatchOnAndAnotherTurnsItOff() throws Exception {
    Path config = Files.writeString(dir.resolve("config.json"), "{\"lifecycle\": {\"signalDebounce\": \"0s\"}}");
    try (JvmProcess app = start(config)) {
      app.awaitLine(STARTED, START);
      assertThat(app.output()).doesNotContain("watching the config file");

      Files.writeString(config, "{\"lifecycle\": {\"signalDebounce\": \"0s\", \"watchConfig\": true,"
          + " \"watchConfigDebounce\": \"300ms\"}}");
      app.signal("HUP");
      app.awaitLine("watching the config file " + Pattern.quote(config.toString()), RELOAD);

      Files.writeString(config, "{\"lifecycle\": {\"signalDebounce\": \"0s\", \"watchConfig\": false}}");
      app.awaitLine("TESTAPP reload done \\(config file changed: ", RELOAD);
      app.awaitLine("no longer watching the config file " + Pattern.quote(config.toString()), RELOAD);

      app.signal("TERM");
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
      assertThat(count(app.output(), "TESTAPP reload done")).isEqualTo(2);
    }
  }

  /**
   * A Kubernetes ConfigMap volume: {@code config.yaml -> ..data/config.yaml}, {@code ..data -> ..<stamp>};
   * an update writes a new {@code ..<stamp>} directory, points {@code ..data_tmp} at it, renames
   * {@code ..data_tmp} over {@code ..data} and deletes the old directory. The file's own path never
   * changes; only its directory sees the rename.
   */
  @Test
  void aConfigMapStyleSymlinkSwapIsSeenAsAChange() throws Exception {
    Path mount = Files.createDirectory(dir.resolve("configmap"));
    Path first = Files.createDirectory(mount.resolve("..2026_12_06_15_00_00.1"));
    String watched = watching("300ms");
    Files.writeString(first.resolve("config.yaml"), yaml(watched));
    Files.createSymbolicLink(mount.resolve("..data"), first.getFileName());
    Path config = Files.createSymbolicLink(mount.resolve("config.yaml"), Path.of("..data", "config.yaml"));
    try (JvmProcess app = startWatching(config)) {

      Path second = Files.createDirectory(mount.resolve("..2026_12_06_15_01_00.2"));
      Files.writeString(second.resolve("config.yaml"), yaml(watched + "  signals:\n    HUP: stop\n"));
      Path tmp = Files.createSymbolicLink(mount.resolve("..data_tmp"), second.getFileName());
      Files.move(tmp, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
      Files.delete(first.resolve("config.yaml"));
      Files.delete(first);

      app.awaitLine(HUP_STOPS, RELOAD);
      app.awaitLine("TESTAPP reload done \\(config file changed: " + Pattern.quote(config.toString()) + "\\)", RELOAD);
      app.signal("HUP");
      assertThat(app.awaitExit(Duration.ofSeconds(20))).isEqualTo(ExitCodes.GRACEFUL);
    }
  }
}
