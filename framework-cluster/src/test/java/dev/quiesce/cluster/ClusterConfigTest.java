package dev.quiesce.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigProblem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every rule of the {@code cluster} section: the defaults, each key's valid and invalid values, and
 * that each problem names its JSON path (the launcher prints them and exits 78).
 */
class ClusterConfigTest {

  @Test
  void noSectionIsASingleNodeOnTheLoopback() {
    ClusterConfig c = ClusterConfig.from(new JsonObject());

    assertThat(c).isEqualTo(new ClusterConfig(false, "quiesce", "127.0.0.1", 5701, List.of(), Optional.empty(), false));
    assertThat(ClusterConfig.from(ClusterConfig.defaultsJson())).isEqualTo(c);
  }

  @Test
  void everyKeyIsRead() {
    ClusterConfig c = ClusterConfig.from(section(new JsonObject().put("enabled", true).put("name", "shop")
        .put("host", "10.0.0.5").put("port", 5801).put("members", new JsonArray().add("10.0.0.6:5801")
            .add("node-3.example:5801").add("[::1]:5701"))
        .put("publicHost", "203.0.113.7").put("multicast", true)));

    assertThat(c).isEqualTo(new ClusterConfig(true, "shop", "10.0.0.5", 5801,
        List.of("10.0.0.6:5801", "node-3.example:5801", "[::1]:5701"), Optional.of("203.0.113.7"), true));
  }

  @Test
  void anUnknownKeyIsNamed() {
    assertThat(problems(new JsonObject().put("members", new JsonArray()).put("memebrs", new JsonArray())))
        .extracting(ConfigProblem::path).containsExactly("cluster.memebrs");
  }

  @Test
  void theSectionMustBeAnObject() {
    assertThat(problemsOf(new JsonObject().put("cluster", "on"))).extracting(ConfigProblem::path)
        .containsExactly("cluster");
  }

  @Test
  void enabledAndMulticastAreBooleans() {
    assertThat(problems(new JsonObject().put("enabled", "yes").put("multicast", 1)))
        .extracting(ConfigProblem::path).containsExactlyInAnyOrder("cluster.enabled", "cluster.multicast");
  }

  @Test
  void theNameIsANonEmptyString() {
    assertThat(problems(new JsonObject().put("name", " "))).singleElement().satisfies(p -> {
      assertThat(p.path()).isEqualTo("cluster.name");
      assertThat(p.message()).contains("must not be empty");
    });
    assertThat(problems(new JsonObject().put("name", 7))).extracting(ConfigProblem::path)
        .containsExactly("cluster.name");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "::", "[::]", "::0", "0:0:0:0:0:0:0:0", "[0:0::0]", "0000::"})
  void theHostNeverBindsEveryAddress(String wildcard) {
    assertThat(problems(new JsonObject().put("host", wildcard))).singleElement().satisfies(p -> {
      assertThat(p.path()).isEqualTo("cluster.host");
      assertThat(p.message()).contains("would bind every address");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "not a host", "host_with_underscore!", "two..dots"})
  void theHostIsAHostNameOrAnAddress(String host) {
    assertThat(problems(new JsonObject().put("host", host))).extracting(ConfigProblem::path)
        .containsExactly("cluster.host");
    assertThat(problems(new JsonObject().put("publicHost", host))).extracting(ConfigProblem::path)
        .containsExactly("cluster.publicHost");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 65536, 100000})
  void thePortIsFrom1To65535(int port) {
    assertThat(problems(new JsonObject().put("port", port))).extracting(ConfigProblem::path)
        .containsExactly("cluster.port");
  }

  @Test
  void thePortIsANumber() {
    assertThat(problems(new JsonObject().put("port", "5701x"))).extracting(ConfigProblem::path)
        .containsExactly("cluster.port");
  }

  @Test
  void membersIsAnArrayOfStrings() {
    assertThat(problems(new JsonObject().put("members", "127.0.0.1:5701"))).extracting(ConfigProblem::path)
        .containsExactly("cluster.members");
    assertThat(problems(new JsonObject().put("members", new JsonArray().add("127.0.0.1:5701").add(5702))))
        .extracting(ConfigProblem::path).allSatisfy(path -> assertThat(path).startsWith("cluster.members"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.0.0.1:", ":5701", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:57o1",
      "bad host:5701", "127.0.0.1:123456"})
  void eachMemberIsHostColonPortWithItsIndexInThePath(String member) {
    assertThat(problems(new JsonObject().put("members", new JsonArray().add("127.0.0.1:5702").add(member))))
        .singleElement().satisfies(p -> {
          assertThat(p.path()).isEqualTo("cluster.members[1]");
          assertThat(p.message()).contains("is not host:port");
        });
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ClusterConfig.from(section(new JsonObject()
        .put("enabled", "true").put("host", "0.0.0.0").put("port", 0).put("members", new JsonArray().add("x")))));

    assertThat(e.problems()).extracting(ConfigProblem::path).containsExactlyInAnyOrder("cluster.enabled",
        "cluster.host", "cluster.port", "cluster.members[0]");
    assertThat(e.getMessage()).contains("cluster.enabled", "cluster.host", "cluster.port", "cluster.members[0]");
  }

  private static JsonObject section(JsonObject cluster) {
    return new JsonObject().put("cluster", cluster);
  }

  private static List<ConfigProblem> problems(JsonObject cluster) {
    return problemsOf(section(cluster));
  }

  private static List<ConfigProblem> problemsOf(JsonObject root) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ClusterConfig.from(root));
    assertThat(e).as("a ConfigException for %s", root.encode()).isNotNull();
    return e.problems();
  }
}
