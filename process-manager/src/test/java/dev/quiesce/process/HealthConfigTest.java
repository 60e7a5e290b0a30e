package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.config.ConfigProblem;
import dev.quiesce.config.ConfigReader;
import dev.quiesce.process.ProcessGroupConfig.Health;
import dev.quiesce.process.ProcessGroupConfig.HealthKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code health} section of a group: defaults, every key, and every rule with its JSON path. */
class HealthConfigTest {

  private static JsonObject group(String name, JsonObject health) {
    return new JsonObject().put("name", name).put("command", new JsonArray().add("/bin/true")).put("health", health);
  }

  private static Health health(JsonObject health) {
    return ProcessesConfig.from(new JsonObject().put("processes", new JsonArray().add(group("g", health))))
        .groups().get(0).health();
  }

  private static List<String> problems(JsonObject... groups) {
    ConfigReader reader = ConfigReader.root(new JsonObject().put("processes", new JsonArray(List.of((Object[]) groups))));
    ProcessesConfig.read(reader);
    return reader.problems().stream().map(ConfigProblem::toString).toList();
  }

  @Test
  void noHealthSectionMeansNoCheck() {
    ProcessGroupConfig g = ProcessesConfig.from(new JsonObject().put("processes", new JsonArray()
        .add(new JsonObject().put("name", "g").put("command", new JsonArray().add("/bin/true"))))).groups().get(0);
    assertThat(g.health()).isEqualTo(Health.NONE);
    assertThat(g.health().kind()).isEqualTo(HealthKind.NONE);
  }

  @Test
  void probesGetTheDocumentedDefaults() {
    Health tcp = health(new JsonObject().put("tcpPort", 9000));
    assertThat(tcp.kind()).isEqualTo(HealthKind.TCP_PORT);
    assertThat(tcp.tcpPort()).isEqualTo(9000);
    assertThat(tcp.host()).isEqualTo("127.0.0.1");
    assertThat(tcp.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(tcp.failures()).isEqualTo(3);
    assertThat(tcp.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(tcp.startPeriod()).isZero();

    Health watchdog = health(new JsonObject().put("watchdog", "2s"));
    assertThat(watchdog.kind()).isEqualTo(HealthKind.WATCHDOG);
    assertThat(watchdog.watchdog()).isEqualTo(Duration.ofSeconds(2));
    assertThat(watchdog.interval()).as("half the period").isEqualTo(Duration.ofSeconds(1));
    assertThat(watchdog.failures()).as("one miss is enough").isEqualTo(1);
  }

  @Test
  void everyKeyIsRead() {
    Health http = health(new JsonObject().put("httpGet", "http://127.0.0.1:8080/health?deep=1").put("interval", "250ms")
        .put("failures", 5).put("timeout", 300).put("startPeriod", "3s"));
    assertThat(http.kind()).isEqualTo(HealthKind.HTTP_GET);
    assertThat(http.httpGet()).isEqualTo(URI.create("http://127.0.0.1:8080/health?deep=1"));
    assertThat(http.httpGetOf(2)).isEqualTo(URI.create("http://127.0.0.1:8082/health?deep=1"));
    assertThat(http.interval()).isEqualTo(Duration.ofMillis(250));
    assertThat(http.failures()).isEqualTo(5);
    assertThat(http.timeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(http.startPeriod()).isEqualTo(Duration.ofSeconds(3));
    assertThat(health(new JsonObject().put("httpGet", "http://localhost/ok")).httpGetOf(1))
        .isEqualTo(URI.create("http://localhost:81/ok"));

    Health command = health(new JsonObject().put("command", new JsonArray().add("sh").add("-c").add("exit 0")));
    assertThat(command.kind()).isEqualTo(HealthKind.COMMAND);
    assertThat(command.command()).containsExactly("sh", "-c", "exit 0");

    Health tcp = health(new JsonObject().put("tcpPort", 9000).put("host", "::1"));
    assertThat(tcp.host()).isEqualTo("::1");

    Health watchdog = health(new JsonObject().put("watchdog", "100ms").put("interval", "20ms").put("failures", 2));
    assertThat(watchdog.interval()).isEqualTo(Duration.ofMillis(20));
    assertThat(watchdog.failures()).isEqualTo(2);
  }

  @Test
  void everyRuleIsCheckedWithItsPath() {
    List<String> p = problems(
        group("none", new JsonObject().put("interval", "1s")),
        group("two", new JsonObject().put("tcpPort", 80).put("httpGet", "http://127.0.0.1/")),
        group("ranges", new JsonObject().put("tcpPort", 0).put("interval", "5ms").put("failures", 0)
            .put("timeout", "0ms").put("startPeriod", "2h")),
        group("types", new JsonObject().put("command", "curl -f http://x").put("failures", 1.5).put("interval", "soon")),
        group("unknown", new JsonObject().put("tcpPort", 80).put("intervall", "1s")),
        group("host", new JsonObject().put("httpGet", "http://127.0.0.1/").put("host", "a b")),
        group("https", new JsonObject().put("httpGet", "https://127.0.0.1/health")),
        group("nohost", new JsonObject().put("httpGet", "/health")),
        group("badurl", new JsonObject().put("httpGet", "http://127.0.0.1:80/a b")),
        group("ports", new JsonObject().put("httpGet", "http://127.0.0.1:65535/")).put("instances", 1),
        group("emptycmd", new JsonObject().put("command", new JsonArray())),
        group("watchdog", new JsonObject().put("watchdog", "1ms").put("timeout", "1s")),
        group("notobj", null).put("health", "tcp"));
    assertThat(p).contains(
        "processes[0].health: needs one probe: one of tcpPort, httpGet, command, watchdog",
        "processes[1].health: give only one of tcpPort, httpGet, command, watchdog (found tcpPort, httpGet)",
        "processes[2].health.tcpPort: 0 is out of range; it must be between 1 and 65535",
        "processes[2].health.interval: 5ms is out of range; it must be between 10ms and 1h",
        "processes[2].health.failures: 0 is out of range; it must be between 1 and 1000",
        "processes[2].health.timeout: 0s is out of range; it must be between 1ms and 1h",
        "processes[2].health.startPeriod: 2h is out of range; it must be between 0s and 1h",
        "processes[3].health.failures: 1.5 is not a whole number",
        "processes[5].health.host: is used only with tcpPort",
        "processes[6].health.httpGet: \"https://127.0.0.1/health\" is not an http:// URL with a host, e.g."
            + " \"http://127.0.0.1:8080/health\" (https is not supported)",
        "processes[7].health.httpGet: \"/health\" is not an http:// URL with a host, e.g."
            + " \"http://127.0.0.1:8080/health\" (https is not supported)",
        "processes[10].health.command: must name at least the program",
        "processes[11].health.watchdog: 1ms is out of range; it must be between 10ms and 1h",
        "processes[11].health.timeout: is not used with watchdog (the child is not asked anything; it sends WATCHDOG=1)",
        "processes[12].health: \"tcp\" is not an object");
    assertThat(p).filteredOn(s -> s.startsWith("processes[12]")).hasSize(1);
    assertThat(p).anyMatch(s -> s.startsWith("processes[3].health.command: \"curl -f http://x\" is a string"));
    assertThat(p).anyMatch(s -> s.startsWith("processes[3].health.interval: \"soon\""));
    assertThat(p).anyMatch(s -> s.startsWith("processes[4].health.intervall: ") && s.contains("interval"));
    assertThat(p).anyMatch(s -> s.startsWith("processes[5].health.host: \"a b\" is not a host name"));
    assertThat(p).anyMatch(s -> s.startsWith("processes[8].health.httpGet: \"http://127.0.0.1:80/a b\" is not a URL"));
    assertThat(p).noneMatch(s -> s.startsWith("processes[9]"));
  }

  @Test
  void everyInstanceNeedsItsOwnPort() {
    JsonObject tcp = group("tcp", new JsonObject().put("tcpPort", 65534)).put("instances", 3);
    JsonObject http = group("http", new JsonObject().put("httpGet", "http://127.0.0.1:65535/")).put("instances", 2);
    assertThat(problems(tcp, http)).containsExactly(
        "processes[0].health.tcpPort: 65534 leaves no port for the last instance (instance i uses tcpPort + i)",
        "processes[1].health.httpGet: 65535 leaves no port for the last instance (instance i uses the URL's port + i)");
  }
}
