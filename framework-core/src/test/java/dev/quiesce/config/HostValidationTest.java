package dev.quiesce.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ConfigReader#host}: syntax only, never a lookup; text that cannot be a host is a problem naming its path. */
class HostValidationTest {

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "0.0.0.0", "localhost", "api.example.com", "my-host-1", "::1", "[::1]", "::",
      "fe80::1", "::ffff:127.0.0.1", "a"})
  void hostNamesAndAddressesAreAccepted(String host) {
    ConfigReader r = ConfigReader.root(new JsonObject().put("host", host));
    assertThat(r.host("host", "def")).isEqualTo(host);
    assertThat(r.problems()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"日本語", "a b", "host:80", "-leading", "trailing-", "a..b", ".", "under_score", "1:2:3:4:5:6:7:8:9",
      "[::1", "::g", "line\nbreak", "x\u0000y"})
  void textThatCannotBeAHostIsAProblemWithItsPath(String host) {
    ConfigReader r = ConfigReader.root(new JsonObject().put("http", new JsonObject().put("host", host)));
    ConfigReader http = r.object("http");
    assertThat(http.host("host", "def")).isEqualTo("def");
    assertThat(r.problems()).singleElement().satisfies(p -> {
      assertThat(p.path()).isEqualTo("http.host");
      assertThat(p.message()).contains("is not a host name or an IP address");
    });
  }
}
