package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.TestPki;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat jar's management listener over HTTPS, reached by {@code curl} trusting a certificate
 * {@code openssl} made for the test, the token read from a file; and the launcher's refusals (exit
 * 78, naming the JSON path) of a key that does not belong to the certificate and of a token on a
 * non-loopback host without TLS, before anything binds.
 */
class ManagementTlsIT {

  static final String TOKEN = "it-token-from-a-file-000001";

  @TempDir
  Path dir;

  /** Runs {@code command} in {@code dir}; its output, after checking it exited 0. */
  private String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", List.of(command)).isTrue();
    assertThat(p.exitValue()).as("%s:%n%s", List.of(command), output).isZero();
    return output;
  }

  /** A server certificate for 127.0.0.1 and its key ({@code [key, cert]}), signed by a CA of its own ({@code [2]}). */
  private Path[] selfSigned(String name) {
    TestPki pki = new TestPki(dir);
    TestPki.Pair ca = pki.ca(name + "-ca");
    TestPki.Pair server = pki.server(ca, name);
    return new Path[] {server.key(), server.cert(), ca.cert()};
  }

  private static JsonObject tls(Path key, Path cert) {
    return new JsonObject().put("keyFile", key.toString()).put("certFile", cert.toString());
  }

  /** {@code curl} over HTTPS trusting {@code ca}: the status code, then the body. */
  private String curl(Path ca, String method, String url, String token) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "--cacert", ca.toString(),
        "-X", method, "-w", "%{http_code}\n", "-o", dir.resolve("body").toString()));
    if (token != null) {
      command.addAll(List.of("-H", "Authorization: Bearer " + token));
    }
    command.add(url);
    return run(command.toArray(String[]::new)).strip() + " " + Files.readString(dir.resolve("body"));
  }

  @Test
  void theFatJarServesHttpsAndTakesItsTokenFromAFile() throws Exception {
    Path[] server = selfSigned("server");
    Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
    try (ExampleAppFixture app = new ExampleAppFixture(dir)) {
      JsonObject management = app.config.getJsonObject("management");
      management.remove("token");
      management.put("tokenFile", tokenFile.toString()).put("tls", tls(server[0], server[1]));
      app.start();
      assertThat(app.app.output()).contains("management listening on https://127.0.0.1:" + app.managementPort);
      String base = "https://127.0.0.1:" + app.managementPort;

      assertThat(curl(server[2], "GET", base + "/lifecycle/status", null)).startsWith("200 ").contains("\"RUNNING\"");
      // curl with its default trust store refuses the self-signed certificate
      Process untrusting = new ProcessBuilder("curl", "-sS", "--max-time", "10", "-o", "/dev/null", base + "/health/live")
          .redirectErrorStream(true).start();
      assertThat(untrusting.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(untrusting.exitValue()).isEqualTo(60); // CURLE_PEER_FAILED_VERIFICATION

      assertThat(curl(server[2], "POST", base + "/lifecycle/stop", TOKEN)).startsWith("202 ");
      assertThat(app.app.awaitExit(Duration.ofSeconds(60))).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  @Test
  void aKeyOfAnotherCertificateExits78NamingTheJsonPathAndBothFiles() throws Exception {
    Path[] server = selfSigned("server");
    Path[] other = selfSigned("other");
    try (ExampleAppFixture app = new ExampleAppFixture(dir)) {
      app.config.getJsonObject("management").put("tls", tls(other[0], server[1]));
      try (JvmProcess jvm = startUnready(app)) {
        assertThat(jvm.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.INVALID_CONFIG);
        assertThat(jvm.output()).contains("management.tls.keyFile: " + other[0]
            + ": the private key does not belong to the certificate").contains(server[1].toString())
            .doesNotContain("quiesce started").doesNotContain("\tat ");
      }
    }
  }

  @Test
  void aTokenOnANonLoopbackHostWithoutTlsExits78SayingWhy() throws Exception {
    try (ExampleAppFixture app = new ExampleAppFixture(dir)) {
      // TEST-NET-1, never bound: the configuration is refused before any listener is created
      app.config.getJsonObject("management").put("host", "192.0.2.1");
      try (JvmProcess jvm = startUnready(app)) {
        assertThat(jvm.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.INVALID_CONFIG);
        assertThat(jvm.output()).contains("management.host: \"192.0.2.1\" is not a loopback address")
            .contains("the token would cross the network in clear text").doesNotContain("quiesce started");
      }
    }
  }

  /** Starts the fat jar with the fixture's configuration without waiting for it to be ready. */
  private static JvmProcess startUnready(ExampleAppFixture app) throws IOException {
    Path file = app.dir.resolve("config.json");
    Files.writeString(file, app.config.encodePrettily());
    return JvmProcess.startJar(app.dir, List.of("-Xmx128m"), Path.of(System.getProperty("example.jar")),
        List.of("--config", file.toString()), java.util.Map.of());
  }
}
