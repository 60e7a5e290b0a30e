package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.config.ConfigException;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.TestPki;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management listener over real TLS: certificates made by {@code openssl} in the test, a real
 * listener on 127.0.0.1, real Vert.x TLS clients trusting (or not) the test CA.
 */
class ManagementTlsTest {

  static final String TOKEN = "tls-token-for-tests-00000001";

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  @TempDir
  Path dir;
  private TestPki pki;
  private TestPki.Pair ca;
  private TestPki.Pair server;
  private final List<WebClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    pki = new TestPki(dir);
    ca = pki.ca("test-ca");
    server = pki.server(ca, "server");
    fx.deployCoordinator(new JsonObject());
  }

  @AfterEach
  void closeClients() {
    clients.forEach(WebClient::close);
  }

  private JsonObject tls(TestPki.Pair pair) {
    return new JsonObject().put("keyFile", pair.key().toString()).put("certFile", pair.cert().toString());
  }

  private JsonObject config(JsonObject management) {
    return WebFixture.config(new JsonObject(), management);
  }

  /** A TLS client that trusts {@code trusted} and verifies the host; with {@code identity} when given. */
  private WebClient https(TestPki.Pair trusted, TestPki.Pair identity) {
    WebClientOptions options = new WebClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(trusted.cert().toString()))
        .setConnectTimeout(5000).setKeepAlive(false);
    if (identity != null) {
      options.setKeyCertOptions(new PemKeyCertOptions().setKeyPath(identity.key().toString())
          .setCertPath(identity.cert().toString()));
    }
    WebClient client = WebClient.create(fx.vertx, options);
    clients.add(client);
    return client;
  }

  private WebClient plain() {
    WebClient client = WebClient.create(fx.vertx, new WebClientOptions().setConnectTimeout(5000).setKeepAlive(false));
    clients.add(client);
    return client;
  }

  private Future<HttpResponse<Buffer>> status(WebClient client) {
    return client.get(fx.managementPort(), "127.0.0.1", "/lifecycle/status").timeout(10_000)
        .send();
  }

  private HttpResponse<Buffer> post(WebClient client, String path, String token) {
    HttpRequest<Buffer> r = client.post(fx.managementPort(), "127.0.0.1", path);
    r.putHeader("Authorization", "Bearer " + token);
    return Await.result(r.send());
  }

  /**
   * Deploys the listener with {@code config}; every reload the coordinator runs reads {@code config}
   * again (and the listener its files). The reload events, as they come.
   */
  private List<JsonObject> deployReloadingTo(JsonObject config) {
    fx.coordinator.reloadWith(() -> Future.succeededFuture(config));
    List<JsonObject> reloads = new CopyOnWriteArrayList<>();
    fx.vertx.eventBus().<JsonObject>consumer("quiesce.lifecycle.events", m -> {
      if ("reload".equals(m.body().getString("type"))) {
        reloads.add(m.body());
      }
    });
    fx.deployManagement(config);
    return reloads;
  }

  @Test
  void httpsAnswersAClientTrustingTheCaAndRefusesPlainHttpAndUntrustingClients() {
    fx.deployManagement(config(new JsonObject().put("tls", tls(server))));

    HttpResponse<Buffer> ok = Await.result(status(https(ca, null)));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.bodyAsJsonObject().getString("state")).isEqualTo("RUNNING");

    // plain HTTP on the TLS port gets no answer: the connection is closed
    assertThat(Await.failure(status(plain()))).isInstanceOf(io.vertx.core.http.HttpClosedException.class);
    // a client that trusts another CA refuses the listener's certificate
    TestPki.Pair otherCa = pki.ca("other-ca");
    assertThat(Await.failure(status(https(otherCa, null)))).hasStackTraceContaining("PKIX path building failed");
  }

  @Test
  void requiredClientCertificatesRefuseAClientWithoutOneAndAcceptOneTheTrustFileSigned() {
    TestPki.Pair clientCa = pki.ca("client-ca");
    TestPki.Pair client = pki.client(clientCa, "client");
    TestPki.Pair stranger = pki.client(pki.ca("stranger-ca"), "stranger");
    fx.deployManagement(config(new JsonObject().put("tls", tls(server).put("clientAuth", "required")
        .put("trustFile", clientCa.cert().toString()))));

    // the server's alert ends the handshake: no certificate, or one no CA of the trust file signed
    assertRefusedClientCertificate(Await.failure(status(https(ca, null))));
    assertRefusedClientCertificate(Await.failure(status(https(ca, stranger))));
    assertThat(Await.result(status(https(ca, client))).statusCode()).isEqualTo(200);
  }

  @Test
  void requestedClientCertificatesAcceptAClientWithoutOne() {
    TestPki.Pair clientCa = pki.ca("client-ca");
    fx.deployManagement(config(new JsonObject().put("tls", tls(server).put("clientAuth", "request")
        .put("trustFile", clientCa.cert().toString()))));

    assertThat(Await.result(status(https(ca, null))).statusCode()).isEqualTo(200);
    assertThat(Await.result(status(https(ca, pki.client(clientCa, "client")))).statusCode()).isEqualTo(200);
  }

  @Test
  void aReloadReadsTheTokenFileAndTheCertificateFilesAgain() throws Exception {
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    List<JsonObject> reloads = deployReloadingTo(config(new JsonObject().put("tokenFile", tokenFile.toString())
        .put("tls", tls(server))));
    WebClient client = https(ca, null);
    assertThat(post(client, "/lifecycle/drain", "wrong-token-but-long-enough").statusCode()).isEqualTo(401);
    assertThat(post(client, "/lifecycle/drain", TOKEN).statusCode()).isEqualTo(202);
    assertThat(post(client, "/lifecycle/resume", TOKEN).statusCode()).isEqualTo(202);

    // a new token in the same file, and a certificate from another CA under the same paths
    String next = "tls-token-for-tests-00000002";
    Files.writeString(tokenFile, "  " + next + "\n\n");
    TestPki.Pair renewedCa = pki.ca("renewed-ca");
    TestPki.Pair renewed = pki.server(renewedCa, "renewed");
    Files.copy(renewed.key(), server.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(renewed.cert(), server.cert(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(post(client, "/lifecycle/reload", TOKEN).statusCode()).isEqualTo(202);
    Await.until("the reload is done", Duration.ofSeconds(10), () -> !reloads.isEmpty());
    assertThat(reloads.get(0).getString("outcome")).as(reloads.get(0).encode()).isEqualTo("done");

    WebClient renewedClient = https(renewedCa, null);
    assertThat(post(renewedClient, "/lifecycle/drain", TOKEN).statusCode()).isEqualTo(401);
    assertThat(post(renewedClient, "/lifecycle/drain", next).statusCode()).isEqualTo(202);
    // new connections get the renewed certificate: a client trusting only the old CA refuses it
    assertThat(Await.failure(status(https(ca, null)))).hasStackTraceContaining("PKIX path building failed");
  }

  @Test
  void aReloadCanRequireClientCertificatesForNewConnections() throws Exception {
    TestPki.Pair clientCa = pki.ca("client-ca");
    TestPki.Pair client = pki.client(clientCa, "client");
    JsonObject open = config(new JsonObject().put("token", TOKEN).put("tls", tls(server)));
    JsonObject closed = config(new JsonObject().put("token", TOKEN).put("tls", tls(server)
        .put("clientAuth", "required").put("trustFile", clientCa.cert().toString())));
    List<JsonObject> reloads = deployReloadingTo(open);
    fx.coordinator.reloadWith(() -> Future.succeededFuture(closed));
    assertThat(Await.result(status(https(ca, null))).statusCode()).isEqualTo(200);

    assertThat(post(https(ca, null), "/lifecycle/reload", TOKEN).statusCode()).isEqualTo(202);
    Await.until("the reload is done", Duration.ofSeconds(10), () -> !reloads.isEmpty());
    assertThat(reloads.get(0).getString("outcome")).as(reloads.get(0).encode()).isEqualTo("done");
    assertRefusedClientCertificate(Await.failure(status(https(ca, null))));
    assertThat(Await.result(status(https(ca, client))).statusCode()).isEqualTo(200);
  }

  @Test
  void anRsaKeyInPkcs1FormServes() throws Exception {
    TestPki.Pair rsa = pki.selfSignedRsaPkcs1("rsa");
    assertThat(Files.readString(rsa.key())).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    fx.deployManagement(config(new JsonObject().put("tls", tls(rsa))));
    // self-signed: the certificate is its own CA
    assertThat(Await.result(status(https(rsa, null))).statusCode()).isEqualTo(200);
  }

  @Test
  void aReloadWithAnEmptiedTokenFileIsRefusedAndTheOldTokenStays() throws Exception {
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN);
    List<JsonObject> reloads = deployReloadingTo(config(new JsonObject().put("tokenFile", tokenFile.toString())
        .put("tls", tls(server))));
    WebClient client = https(ca, null);

    Files.writeString(tokenFile, "\n");
    assertThat(post(client, "/lifecycle/reload", TOKEN).statusCode()).isEqualTo(202);
    Await.until("the reload is over", Duration.ofSeconds(10), () -> !reloads.isEmpty());
    assertThat(reloads.get(0).getString("outcome")).as(reloads.get(0).encode()).isNotEqualTo("done");
    assertThat(reloads.get(0).encode()).contains("management.tokenFile: " + tokenFile + " is empty");
    assertThat(post(client, "/lifecycle/drain", TOKEN).statusCode()).isEqualTo(202);
  }

  @Test
  void aMissingKeyFileFailsTheStartNamingItsJsonPathAndFile() {
    Path missing = dir.resolve("nope.key");
    Throwable failure = Await.failure(fx.vertx.deployVerticle(new ManagementVerticle(),
        new io.vertx.core.DeploymentOptions().setConfig(config(new JsonObject().put("tls",
            new JsonObject().put("keyFile", missing.toString()).put("certFile", server.cert().toString()))))));
    assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining("management.tls.keyFile: " + missing + ": no such file");
  }

  @Test
  void aTokenOnANonLoopbackHostWithoutTlsFailsTheStartBeforeBinding() {
    // 192.0.2.1 (TEST-NET-1) is never bound: the configuration is refused before the listener is created
    Throwable failure = Await.failure(fx.vertx.deployVerticle(new ManagementVerticle(),
        new io.vertx.core.DeploymentOptions().setConfig(config(new JsonObject().put("host", "192.0.2.1")
            .put("token", TOKEN)))));
    assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining("management.host: \"192.0.2.1\" is not a loopback address")
        .hasMessageContaining("the token would cross the network in clear text")
        .hasMessageContaining("management.allowPlainText");
  }

  /**
   * The server refused the client's certificate, or its lack of one, with a TLS alert: JDK 17 sends
   * {@code bad_certificate}, JDK 21+ under TLS 1.3 {@code certificate_required} for a missing one
   * (RFC 8446) and may name an unknown CA {@code unknown_ca} or {@code certificate_unknown}.
   */
  private static void assertRefusedClientCertificate(Throwable failure) {
    StringWriter trace = new StringWriter();
    failure.printStackTrace(new PrintWriter(trace));
    assertThat(trace.toString()).containsAnyOf("bad_certificate", "certificate_required", "unknown_ca",
        "certificate_unknown");
  }
}
