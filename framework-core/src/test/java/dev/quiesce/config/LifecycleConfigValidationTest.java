package dev.quiesce.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.SignalMapping;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LifecycleConfigValidationTest {

  private static ConfigException problemsOf(JsonObject lifecycle) {
    try {
      LifecycleConfig.from(new JsonObject().put("lifecycle", lifecycle));
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected the configuration to be rejected: " + lifecycle.encode());
  }

  @Test
  void defaultsAreTheDesignedStopPlan() {
    LifecycleConfig config = LifecycleConfig.defaults();
    assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(35));
    assertThat(config.phases()).extracting(p -> p.name() + "=" + Durations.format(p.timeout()))
        .containsExactly("announce=0s", "drain=20s", "terminate=10s", "close=5s");
    assertThat(config.signals()).containsEntry(PosixSignal.TERM, SignalMapping.STOP)
        .containsEntry(PosixSignal.INT, SignalMapping.STOP).containsEntry(PosixSignal.HUP, SignalMapping.RELOAD);
    assertThat(config.reportFile()).isEmpty();
  }

  @Test
  void watchConfigIsOffByDefaultAndItsKeysAreValidatedWithTheirPaths() {
    LifecycleConfig defaults = LifecycleConfig.defaults();
    assertThat(defaults.watchConfig()).isFalse();
    assertThat(defaults.watchConfigDebounce()).isEqualTo(Duration.ofSeconds(1));
    LifecycleConfig on = LifecycleConfig.from(new JsonObject().put("lifecycle", new JsonObject()
        .put("watchConfig", true).put("watchConfigDebounce", "250ms")));
    assertThat(on.watchConfig()).isTrue();
    assertThat(on.watchConfigDebounce()).isEqualTo(Duration.ofMillis(250));
    assertThat(problemsOf(new JsonObject().put("watchConfig", "yes").put("watchConfigDebounce", "2h")).problems())
        .extracting(Object::toString).anyMatch(p -> p.startsWith("lifecycle.watchConfig: "))
        .anyMatch(p -> p.startsWith("lifecycle.watchConfigDebounce: "));
  }

  @Test
  void badDurationNamesItsJsonPathAndTheRule() {
    JsonObject lifecycle = new JsonObject().put("phases", new JsonArray()
        .add(new JsonObject().put("name", "announce").put("timeout", "0s"))
        .add(new JsonObject().put("name", "drain").put("timeout", "5 sec")));
    assertThat(problemsOf(lifecycle).problems()).extracting(Object::toString).containsExactly(
        "lifecycle.phases[1].timeout: \"5 sec\" is not a duration; use 250ms, 5s, 2m, 1h or an integer of milliseconds");
  }

  @Test
  void unknownKeyIsAnErrorNamingTheClosestKey() {
    assertThat(problemsOf(new JsonObject().put("shutdownTimout", "5s")).getMessage())
        .contains("lifecycle.shutdownTimout: is not a known key; did you mean \"shutdownTimeout\"?");
  }

  @ParameterizedTest
  @ValueSource(strings = {"QUIT", "USR2", "KILL", "STOP", "BOGUS"})
  void signalsThatCannotBeHandledAreRefusedWithTheReason(String signal) {
    String message = problemsOf(new JsonObject().put("signals", new JsonObject().put(signal, "stop"))).getMessage();
    assertThat(message).contains("lifecycle.signals." + signal + ":");
    switch (signal) {
      case "QUIT" -> assertThat(message).contains("thread dumps");
      case "USR2" -> assertThat(message).contains("suspend/resume");
      case "KILL", "STOP" -> assertThat(message).contains("cannot be caught by any process");
      default -> assertThat(message).contains("use one of [TERM, INT, HUP, USR1, WINCH]");
    }
  }

  @Test
  void unknownSignalActionIsRefused() {
    assertThat(problemsOf(new JsonObject().put("signals", new JsonObject().put("HUP", "explode"))).getMessage())
        .contains("lifecycle.signals.HUP: \"explode\" is not an action; use one of [stop, reload, drain, resume, upgrade,"
            + " ignore, default]");
  }

  @Test
  void hupCanBeMadeAStopAsInTheStory() {
    LifecycleConfig config = LifecycleConfig.from(new JsonObject().put("lifecycle",
        new JsonObject().put("signals", new JsonObject().put("HUP", "stop"))));
    assertThat(config.signals()).containsEntry(PosixSignal.HUP, SignalMapping.STOP)
        .containsEntry(PosixSignal.TERM, SignalMapping.STOP);
  }

  @Test
  void phaseNamesMustBeUniqueAndNotReserved() {
    JsonObject lifecycle = new JsonObject().put("phases", new JsonArray()
        .add(new JsonObject().put("name", "drain").put("timeout", "1s"))
        .add(new JsonObject().put("name", "drain").put("timeout", "1s"))
        .add(new JsonObject().put("name", "reload").put("timeout", "1s"))
        .add(new JsonObject().put("timeout", "1s"))
        .add("not an object"));
    assertThat(problemsOf(lifecycle).problems()).extracting(Object::toString).containsExactlyInAnyOrder(
        "lifecycle.phases[1].name: \"drain\" is used by an earlier phase; phase names must be unique",
        "lifecycle.phases[2].name: \"reload\" is reserved for the reload command; choose another name",
        "lifecycle.phases[3].name: is required",
        "lifecycle.phases[4]: \"not an object\" is not an object");
  }

  @Test
  void wrongTypesAreReportedNotThrown() {
    assertThat(problemsOf(new JsonObject().put("phases", "drain").put("shutdownTimeout", true).put("reportFile", 3))
        .problems()).extracting(ConfigProblem::path)
        .containsExactlyInAnyOrder("lifecycle.phases", "lifecycle.shutdownTimeout", "lifecycle.reportFile");
    assertThatThrownBy(() -> LifecycleConfig.from(new JsonObject().put("lifecycle", "x")))
        .hasMessageContaining("lifecycle: \"x\" is not an object");
  }

  @Test
  void zeroDeadlineIsRefused() {
    assertThat(problemsOf(new JsonObject().put("shutdownTimeout", 0)).getMessage())
        .contains("lifecycle.shutdownTimeout: 0s is out of range");
  }
}
