package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigLoader;
import dev.quiesce.config.ConfigProblem;
import dev.quiesce.config.ConfigReader;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.TestPki;
import dev.quiesce.web.impl.ManagementConfigSection;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code management.tls}, {@code management.tokenFile} and {@code management.allowPlainText} as the
 * launcher validates them (the section's rules and its file checks, at start and at each reload):
 * every problem names its JSON path, and the file when there is one.
 */
class ManagementTlsConfigTest {

  static final String TOKEN = "config-token-for-tests-0001";

  @TempDir
  static Path dir;
  static TestPki.Pair ca;
  static TestPki.Pair server;
  static TestPki.Pair other;

  @BeforeAll
  static void certificates() {
    TestPki pki = new TestPki(dir);
    ca = pki.ca("ca");
    server = pki.server(ca, "server");
    other = pki.server(ca, "other");
  }

  /** Every problem the launcher's validation of the {@code management} section finds. */
  private static List<ConfigProblem> problems(JsonObject management) {
    ConfigReader root = ConfigReader.root(new JsonObject().put("management", management));
    new ManagementConfigSection().validate(root);
    return root.problems();
  }

  private static JsonObject tls(Path key, Path cert) {
    return new JsonObject().put("keyFile", key.toString()).put("certFile", cert.toString());
  }

  @Test
  void aTokenOnANonLoopbackHostWithoutTlsIsRefusedSayingWhy() {
    assertThat(problems(new JsonObject().put("host", "10.1.2.3").put("token", TOKEN)))
        .singleElement().satisfies(p -> {
          assertThat(p.path()).isEqualTo("management.host");
          assertThat(p.message()).contains("\"10.1.2.3\" is not a loopback address")
              .contains("the token would cross the network in clear text")
              .contains("management.tls").contains("management.allowPlainText").doesNotContain(TOKEN);
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "10.0.0.5", "::", "2001:db8::1", "mgmt.example.com", "localhost.example.com"})
  void everyHostButLoopbackLiteralsAndLocalhostNeedsTlsForAToken(String host) throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("token-" + host.replace(':', '_')), TOKEN);
    assertThat(problems(new JsonObject().put("host", host).put("tokenFile", tokenFile.toString())))
        .extracting(ConfigProblem::path).containsExactly("management.host");
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.10.0.2", "::1", "[::1]", "0:0:0:0:0:0:0:1", "localhost", "LOCALHOST"})
  void loopbackHostsTakeATokenWithoutTls(String host) {
    assertThat(problems(new JsonObject().put("host", host).put("token", TOKEN))).isEmpty();
  }

  @Test
  void allowPlainTextOrTlsOrNoTokenLetANonLoopbackHostStart() {
    assertThat(problems(new JsonObject().put("host", "0.0.0.0").put("token", TOKEN).put("allowPlainText", true)))
        .isEmpty();
    assertThat(problems(new JsonObject().put("host", "0.0.0.0").put("token", TOKEN)
        .put("tls", tls(server.key(), server.cert())))).isEmpty();
    assertThat(problems(new JsonObject().put("host", "0.0.0.0"))).isEmpty();
  }

  @Test
  void theTlsObjectIsCheckedKeyByKey() {
    assertThat(problems(new JsonObject().put("tls", new JsonObject().put("clientAuth", "maybe").put("keyfile", "x"))))
        .extracting(ConfigProblem::path).containsExactlyInAnyOrder("management.tls.keyfile", "management.tls.keyFile",
            "management.tls.certFile", "management.tls.clientAuth");
    assertThat(problems(new JsonObject().put("tls", tls(server.key(), server.cert()).put("clientAuth", "required"))))
        .singleElement().satisfies(p -> {
          assertThat(p.path()).isEqualTo("management.tls.trustFile");
          assertThat(p.message()).contains("is required when clientAuth is \"required\"");
        });
    assertThat(problems(new JsonObject().put("tls", tls(server.key(), server.cert())
        .put("trustFile", ca.cert().toString())))).extracting(ConfigProblem::message)
        .containsExactly("has no effect when clientAuth is \"none\"; set clientAuth to \"request\" or \"required\","
            + " or leave trustFile out");
    assertThat(problems(new JsonObject().put("tls", "on"))).extracting(ConfigProblem::path)
        .containsExactly("management.tls");
  }

  @Test
  void aValidTlsObjectReadsAsTypes() {
    ManagementConfig c = ManagementConfig.from(new JsonObject().put("management", new JsonObject().put("tls",
        tls(server.key(), server.cert()).put("clientAuth", "request").put("trustFile", ca.cert().toString()))));
    assertThat(c.tls()).hasValue(new ManagementTls(server.key(), server.cert(), ClientAuth.REQUEST,
        java.util.Optional.of(ca.cert())));
    assertThat(ManagementConfig.defaults().tls()).isEmpty();
    assertThat(ManagementConfig.defaults().allowPlainText()).isFalse();
    assertThat(ManagementConfig.defaults().tokenFile()).isEmpty();
  }

  @Test
  void aMissingOrUnusableFileNamesItsJsonPathAndItsPath() throws Exception {
    Path missing = dir.resolve("missing.pem");
    assertThat(problems(new JsonObject().put("tls", tls(server.key(), missing)))).singleElement()
        .hasToString("management.tls.certFile: " + missing + ": no such file");

    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    assertThat(problems(new JsonObject().put("tls", tls(server.key(), garbage)))).singleElement()
        .satisfies(p -> assertThat(p.toString()).startsWith("management.tls.certFile: " + garbage + ": "));
    assertThat(problems(new JsonObject().put("tls", tls(garbage, server.cert())))).singleElement()
        .satisfies(p -> assertThat(p.toString()).startsWith("management.tls.keyFile: " + garbage + ": cannot be loaded"));
    assertThat(problems(new JsonObject().put("tls", tls(server.key(), dir)))).singleElement()
        .hasToString("management.tls.certFile: " + dir + " is not a regular file");
    assertThat(problems(new JsonObject().put("tls", tls(server.key(), server.cert()).put("clientAuth", "required")
        .put("trustFile", garbage.toString())))).extracting(ConfigProblem::path)
        .containsExactly("management.tls.trustFile");
  }

  @Test
  void aKeyThatDoesNotBelongToTheCertificateIsRefused() {
    assertThat(problems(new JsonObject().put("tls", tls(other.key(), server.cert())))).singleElement()
        .satisfies(p -> {
          assertThat(p.path()).isEqualTo("management.tls.keyFile");
          assertThat(p.message()).contains(other.key().toString()).contains(server.cert().toString())
              .contains("does not belong to the certificate");
        });
  }

  @Test
  void theTokenFileIsTrimmedAndCheckedLikeTheToken() throws Exception {
    Path good = Files.writeString(dir.resolve("good-token"), "\n  " + TOKEN + "  \n");
    assertThat(problems(new JsonObject().put("tokenFile", good.toString()))).isEmpty();

    Path blank = Files.writeString(dir.resolve("blank-token"), " \n\n");
    assertThat(problems(new JsonObject().put("tokenFile", blank.toString()))).singleElement()
        .hasToString("management.tokenFile: " + blank + " is empty");

    Path shortOne = Files.writeString(dir.resolve("short-token"), "abc123\n");
    assertThat(problems(new JsonObject().put("tokenFile", shortOne.toString()))).singleElement()
        .satisfies(p -> assertThat(p.toString()).startsWith("management.tokenFile: the token in " + shortOne
            + " is too short").doesNotContain("abc123"));

    Path missing = dir.resolve("no-token");
    assertThat(problems(new JsonObject().put("tokenFile", missing.toString()))).singleElement()
        .hasToString("management.tokenFile: " + missing + ": no such file");
    assertThat(problems(new JsonObject().put("tokenFile", ""))).extracting(ConfigProblem::path)
        .containsExactly("management.tokenFile");
  }

  @Test
  void aWorldReadableTokenFileIsAcceptedAsKubernetesAndDockerSecretsAre() throws Exception {
    Path file = Files.writeString(dir.resolve("secret-0644"), TOKEN);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(problems(new JsonObject().put("tokenFile", file.toString()))).isEmpty();
  }

  @Test
  void aTokenAndATokenFileTogetherAreRefusedNeitherWins() throws Exception {
    Path file = Files.writeString(dir.resolve("both-token"), TOKEN);
    assertThat(problems(new JsonObject().put("token", TOKEN).put("tokenFile", file.toString()))).singleElement()
        .satisfies(p -> {
          assertThat(p.path()).isEqualTo("management.tokenFile");
          assertThat(p.message()).contains("together with management.token").contains("QUIESCE_MANAGEMENT_TOKEN");
        });
  }

  @Test
  void theLoaderTakesTheTokenFileFromTheEnvironmentAndRefusesItBesideQuiesceManagementToken() throws Exception {
    Path file = Files.writeString(dir.resolve("env-token"), TOKEN);
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject loaded = Await.result(new ConfigLoader(vertx, null, Map.of("QUIESCE_MANAGEMENT_TOKENFILE",
          file.toString()), new Properties()).load()).config();
      assertThat(ManagementConfig.from(loaded).tokenFile()).hasValue(file);

      Throwable both = Await.failure(new ConfigLoader(vertx, null, Map.of("QUIESCE_MANAGEMENT_TOKENFILE",
          file.toString(), "QUIESCE_MANAGEMENT_TOKEN", TOKEN), new Properties()).load());
      assertThat(both).isInstanceOf(ConfigException.class).hasMessageContaining("management.tokenFile: is set"
          + " together with management.token");
    } finally {
      Await.result(vertx.close());
    }
  }
}
