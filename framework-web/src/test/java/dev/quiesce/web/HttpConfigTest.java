package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigProblem;
import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.ConfigSection;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class HttpConfigTest {

  private static List<ConfigProblem> problems(JsonObject http) {
    try {
      HttpConfig.from(new JsonObject().put("http", http));
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("expected problems in " + http.encode());
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    HttpConfig c = HttpConfig.defaults();
    assertThat(c.host()).isEqualTo("0.0.0.0");
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.instances()).isEqualTo(1);
    assertThat(c.preStopDelay()).isEqualTo(Duration.ZERO);
    assertThat(c.preStopProbes()).isZero();
    assertThat(c.readinessPath()).isEmpty();
    assertThat(c.webSocketCloseGrace()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.reloadCloseWindow()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.undeployDrainTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.http2ClearText()).isFalse();
    assertThat(HttpConfig.from(HttpConfig.defaultsJson())).isEqualTo(c);
  }

  @Test
  void everyProblemNamesItsJsonPathAndRule() {
    List<ConfigProblem> problems = problems(new JsonObject().put("port", 70000).put("instances", 0)
        .put("preStopDelay", "soon").put("sseFinalEvent", "data: x").put("readinessPath", "ready")
        .put("http2ClearText", "yes").put("prot", 1));
    assertThat(problems).extracting(ConfigProblem::path).containsExactlyInAnyOrder("http.port", "http.instances",
        "http.preStopDelay", "http.sseFinalEvent", "http.readinessPath", "http.http2ClearText", "http.prot");
    assertThat(problems.stream().filter(p -> p.path().equals("http.prot")).findFirst().orElseThrow().message())
        .contains("did you mean \"port\"");
    assertThat(problems.stream().filter(p -> p.path().equals("http.port")).findFirst().orElseThrow().message())
        .contains("between 0 and 65535");
  }

  @Test
  void invalidServerOptionsAreAProblem() {
    assertThat(problems(new JsonObject().put("serverOptions", new JsonObject().put("port", 70000))))
        .extracting(ConfigProblem::path).containsExactly("http.serverOptions");
  }

  @Test
  void serverOptionsPassThroughAndTheSectionsKeysWin() {
    HttpConfig c = HttpConfig.from(new JsonObject().put("http", new JsonObject().put("host", "127.0.0.1")
        .put("webSocketCloseGrace", "1500ms")
        .put("serverOptions", new JsonObject().put("compressionSupported", true).put("host", "10.9.9.9"))));
    var options = c.serverOptions(1234);
    assertThat(options.isCompressionSupported()).isTrue();
    assertThat(options.getHost()).isEqualTo("127.0.0.1");
    assertThat(options.getPort()).isEqualTo(1234);
    assertThat(options.isHttp2ClearTextEnabled()).isFalse();
    assertThat(options.getWebSocketClosingTimeout()).as("rounded up to whole seconds").isEqualTo(2);
  }

  @Test
  void sectionsAreDeclaredToTheLauncherAndTheirDefaultsValidate() {
    List<ConfigSection> sections = ServiceLoader.load(ConfigSection.class).stream().map(ServiceLoader.Provider::get)
        .filter(s -> s.name().equals("http") || s.name().equals("management")).toList();
    assertThat(sections).extracting(ConfigSection::name).containsExactlyInAnyOrder("http", "management");
    for (ConfigSection section : sections) {
      ConfigReader root = ConfigReader.root(section.defaults());
      section.validate(root);
      assertThat(root.problems()).as(section.name()).isEmpty();
    }
    ConfigReader bad = ConfigReader.root(new JsonObject().put("http", new JsonObject().put("port", -1)));
    sections.forEach(s -> s.validate(bad));
    assertThat(bad.problems()).extracting(ConfigProblem::path).containsExactly("http.port");
    assertThatThrownBy(bad::throwIfProblems).isInstanceOf(ConfigException.class);
  }

  private static JsonObject withAnnounce(String preStopDelay, String announceBudget) {
    JsonArray phases = new JsonArray();
    if (announceBudget != null) {
      phases.add(new JsonObject().put("name", "announce").put("timeout", announceBudget));
    }
    phases.add(new JsonObject().put("name", "drain").put("timeout", "5s"));
    return new JsonObject().put("http", new JsonObject().put("preStopDelay", preStopDelay))
        .put("lifecycle", new JsonObject().put("phases", phases));
  }

  @Test
  void aPreStopDelayLongerThanTheAnnounceBudgetIsRefusedWithThePathAndTheBudgetNeeded() {
    ConfigReader root = ConfigReader.root(withAnnounce("1s", "0s"));
    new dev.quiesce.web.impl.HttpConfigSection().validate(root);
    assertThat(root.problems()).extracting(ConfigProblem::path).containsExactly("http.preStopDelay");
    assertThat(root.problems().get(0).message()).contains("lifecycle.phases[0].timeout is 0s")
        .contains("at least 1s");
    assertThatThrownBy(() -> HttpConfig.from(withAnnounce("1s", "999ms"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.preStopDelay");
  }

  @Test
  void anAnnounceBudgetEqualToThePreStopDelayIsRefusedForWantOfTheAcknowledgementsMargin() {
    assertThatThrownBy(() -> HttpConfig.from(withAnnounce("8s", "8s"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.preStopDelay").hasMessageContaining("lifecycle.phases[0].timeout is 8s")
        .hasMessageContaining("set it to 8250ms or more");
    assertThatThrownBy(() -> HttpConfig.from(withAnnounce("1s", "1110ms"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("set it to 1111ms or more");
  }

  @Test
  void aPreStopDelayTheAnnounceBudgetHoldsIsAccepted() {
    assertThat(HttpConfig.from(withAnnounce("1s", "1111ms")).preStopDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(HttpConfig.from(withAnnounce("8s", "8250ms")).preStopDelay()).isEqualTo(Duration.ofSeconds(8));
    assertThat(HttpConfig.from(withAnnounce("8s", "10s")).preStopDelay()).isEqualTo(Duration.ofSeconds(8));
    assertThat(HttpConfig.from(withAnnounce("0s", "0s")).preStopDelay()).isZero();
    // without an announce phase there is no delay to wait for (the close-only plan of StopIntegrationTest)
    assertThat(HttpConfig.from(withAnnounce("1s", null)).preStopDelay()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void theDrainCloseWindowDefaultsTo500msAndIsBounded() {
    assertThat(HttpConfig.defaults().drainCloseWindow()).isEqualTo(Duration.ofMillis(500));
    assertThat(HttpConfig.from(new JsonObject().put("http", new JsonObject().put("drainCloseWindow", "0s")))
        .drainCloseWindow()).isZero();
    assertThat(problems(new JsonObject().put("drainCloseWindow", "2m"))).extracting(ConfigProblem::path)
        .containsExactly("http.drainCloseWindow");
  }
}
