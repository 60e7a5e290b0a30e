package dev.quiesce.cli.impl;

import dev.quiesce.cli.ExitCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The management listener at {@code base} (e.g. {@code http://127.0.0.1:8081}), over the JDK's HTTP
 * client (HTTP/1.1). Every call is bounded by the deadline it is given; a failure becomes a
 * {@link CliFailure} that names the address and what went wrong.
 */
public final class ManagementClient {

  /** The longest a connection attempt may take, whatever the deadline. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private final URI base;
  private final Optional<String> token;
  private final HttpClient http;

  /** An answer: its status and its body (JSON for everything but metrics). */
  public record Answer(int status, String body) {
    /** The body as a JSON object; empty when it is not one. */
    public Map<String, Object> json() {
      return Json.object(body).orElse(Map.of());
    }
  }

  public ManagementClient(URI base, Optional<String> token) {
    this(base, token, Optional.empty());
  }

  /**
   * @param caCert PEM certificates (one or more) to trust for an {@code https} listener instead of the
   *     JVM's trust store: the CA of {@code management.tls}, or its self-signed certificate
   * @throws CliFailure (usage) when the file cannot be read or holds no certificate
   */
  public ManagementClient(URI base, Optional<String> token, Optional<Path> caCert) {
    this.base = base;
    this.token = token;
    HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER);
    caCert.ifPresent(file -> builder.sslContext(trusting(file)));
    this.http = builder.build();
  }

  /** An SSL context that trusts exactly the certificates of the PEM file {@code file}. */
  private static SSLContext trusting(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new CliFailure(ExitCode.USAGE, "--cacert " + file + " holds no PEM certificate");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new CliFailure(ExitCode.USAGE, "--cacert " + file + " cannot be used: " + e.getMessage());
    }
  }

  public URI base() {
    return base;
  }

  /** {@code GET path}, any status. */
  public Answer get(String path, Instant deadline) {
    return send(HttpRequest.newBuilder(uri(path)).GET(), deadline, path);
  }

  /** {@code POST path} with the bearer token and an optional JSON body; any status. */
  public Answer post(String path, Optional<String> jsonBody, Instant deadline) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
        .POST(jsonBody.map(b -> HttpRequest.BodyPublishers.ofString(b, StandardCharsets.UTF_8))
            .orElse(HttpRequest.BodyPublishers.noBody()));
    jsonBody.ifPresent(b -> request.header("Content-Type", "application/json"));
    token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
    return send(request, deadline, path);
  }

  /**
   * Opens {@code GET /lifecycle/events}; the stream's first event (the status, or the report when
   * the stop is over) is read by the caller.
   */
  public EventStream events(Instant deadline) {
    String path = "/lifecycle/events";
    HttpRequest request = HttpRequest.newBuilder(uri(path)).GET().header("Accept", "text/event-stream")
        .timeout(remaining(deadline, path)).build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw unreachable(e, path);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliFailure(ExitCode.FAILED, "interrupted");
    }
    if (response.statusCode() != 200) {
      String body;
      try (InputStream in = response.body()) {
        body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      } catch (IOException e) {
        body = "";
      }
      throw refused(new Answer(response.statusCode(), body), "GET " + path);
    }
    return new EventStream(response.body(), base + path);
  }

  /** What a non-2xx answer means for the user, with the server's own reason. */
  public CliFailure refused(Answer answer, String what) {
    String reason = Json.string(answer.json(), "error", answer.body().isBlank() ? "no reason given" : answer.body().strip());
    return switch (answer.status()) {
      case 401 -> new CliFailure(ExitCode.FAILED, what + " at " + base + ": 401 " + reason
          + (token.isEmpty() ? " (no token given: use --token-file FILE or QUIESCE_MANAGEMENT_TOKEN)"
              : " (check the token in --token-file or QUIESCE_MANAGEMENT_TOKEN against management.token)"));
      case 403 -> new CliFailure(ExitCode.FAILED, what + " at " + base + ": 403 " + reason
          + Optional.ofNullable(answer.json().get("hint")).map(h -> "; " + h).orElse(""));
      case 409 -> new CliFailure(ExitCode.FAILED, what + " refused by " + base + " (409): " + reason);
      case 504 -> new CliFailure(ExitCode.TIMED_OUT, what + " at " + base + ": 504 " + reason);
      default -> new CliFailure(ExitCode.FAILED, what + " at " + base + " failed: " + answer.status() + " " + reason);
    };
  }

  private Answer send(HttpRequest.Builder request, Instant deadline, String path) {
    try {
      HttpResponse<String> response = http.send(request.timeout(remaining(deadline, path)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      throw unreachable(e, path);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliFailure(ExitCode.FAILED, "interrupted");
    }
  }

  private CliFailure unreachable(IOException e, String path) {
    if (e instanceof HttpConnectTimeoutException) {
      return new CliFailure(ExitCode.FAILED, "cannot reach the management listener at " + base
          + ": no connection within " + CONNECT_TIMEOUT.toSeconds() + " s");
    }
    if (e instanceof HttpTimeoutException) {
      return new CliFailure(ExitCode.TIMED_OUT, path + " at " + base + ": no answer within --timeout");
    }
    if (e instanceof ConnectException) {
      return new CliFailure(ExitCode.FAILED, "cannot reach the management listener at " + base
          + ": connection refused (is the application running, and are management.host and management.port this"
          + " address?)");
    }
    return new CliFailure(ExitCode.FAILED, "the management listener at " + base + " broke off " + path + ": "
        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
  }

  private static Duration remaining(Instant deadline, String path) {
    Duration left = Duration.between(Instant.now(), deadline);
    if (left.isNegative() || left.isZero()) {
      throw new CliFailure(ExitCode.TIMED_OUT, "no time left for " + path + " within --timeout");
    }
    return left;
  }

  private URI uri(String path) {
    String root = base.toString().replaceAll("/+$", "");
    return URI.create(root + path);
  }
}
