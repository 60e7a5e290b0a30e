package dev.quiesce.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the README does: {@code bin/quiesce stop --wait} with the packaged jar
 * ({@code quiesce-cli/target/quiesce-cli.jar}, run by the script with the JDK of the tests) against
 * a real application, which it stops, printing the summary and exiting 0.
 */
@Tag("e2e")
class BinQuiesceIT {

  private static final String TOKEN = "bin-test-token-0123456789";

  @TempDir
  Path dir;

  /** The script's exit status and what it printed (stdout, then stderr). */
  record Run(int exit, String out, String err) {
  }

  private Run bin(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("sh", System.getProperty("quiesce.bin")));
    command.addAll(List.of(args));
    Path out = dir.resolve("out-" + System.nanoTime());
    Path err = dir.resolve("err-" + System.nanoTime());
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().put("QUIESCE_MANAGEMENT_TOKEN", TOKEN);
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("QUIESCE_CLI_JAR", System.getProperty("quiesce.cli.jar"));
    Process process = builder.start();
    if (!process.waitFor(Timing.upTo(Duration.ofSeconds(60)).toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("bin/quiesce " + String.join(" ", args) + " did not end");
    }
    return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void binQuiesceStopWaitPrintsTheSummaryAndExitsZero() throws Exception {
    Path config = dir.resolve("config.json");
    Files.writeString(config, new JsonObject()
        .put("lifecycle", new JsonObject().put("shutdownTimeout", "20s"))
        .put("management", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("token", TOKEN))
        .put("testApp", new JsonObject().put("drainMs", 300)).encodePrettily());
    try (JvmProcess app = JvmProcess.start(dir, List.of(), CliTestApplication.class.getName(),
        List.of("--config", config.toString()), Map.of())) {
      String url = "http://127.0.0.1:" + app.awaitLine("management listening on https?://127\\.0\\.0\\.1:(\\d+)",
          Duration.ofSeconds(30)).group(1);
      app.awaitLine("TESTAPP ready", Duration.ofSeconds(30));
      Run status = bin("--url", url, "status");
      assertThat(status.exit()).as(status.toString()).isZero();
      assertThat(status.out()).startsWith("RUNNING, ready");
      Run stop = bin("--url", url, "stop", "--wait");
      assertThat(stop.exit()).as(stop.toString()).isZero();
      assertThat(stop.out()).startsWith("stop graceful in ").contains("(exit code 0)").contains("no problems");
      assertThat(app.awaitExit(Timing.upTo(Duration.ofSeconds(20)))).isZero();
    }
  }
}
