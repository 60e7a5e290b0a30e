package dev.quiesce.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code upgrade} section: defaults, and each bad value refused with its JSON path. */
class UpgradeConfigTest {

  private static JsonObject upgrade(JsonObject section) {
    return new JsonObject().put("upgrade", section);
  }

  @Test
  void defaultsStartTheSameCommandLineWithSixtySecondsInTheTempDirectory() {
    UpgradeConfig config = UpgradeConfig.from(new JsonObject());
    assertThat(config.configuredCommand()).isEmpty();
    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.stateDir()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir"),
        "quiesce-" + System.getProperty("user.name")));
  }

  @Test
  void aCommandATimeoutAndAStateDirectoryAreRead() {
    UpgradeConfig config = UpgradeConfig.from(upgrade(new JsonObject()
        .put("command", new JsonArray().add("java").add("-jar").add("/opt/app/v2.jar"))
        .put("timeout", "90s").put("stateDir", "/run/app")));
    assertThat(config.configuredCommand()).contains(List.of("java", "-jar", "/opt/app/v2.jar"));
    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.stateDir()).isEqualTo(Path.of("/run/app"));
  }

  @Test
  void badValuesAreRefusedWithTheirPaths() {
    assertThatThrownBy(() -> UpgradeConfig.from(upgrade(new JsonObject().put("command", new JsonArray())
        .put("timeout", "soon").put("stateDir", " ").put("comand", "x"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("upgrade.command: must name a program to run")
        .hasMessageContaining("upgrade.timeout: ")
        .hasMessageContaining("upgrade.stateDir: must not be empty")
        .hasMessageContaining("upgrade.comand: is not a known key; did you mean \"command\"?");
    assertThatThrownBy(() -> UpgradeConfig.from(upgrade(new JsonObject().put("command", new JsonArray().add("")))))
        .hasMessageContaining("upgrade.command[0]: must not be empty");
  }
}
