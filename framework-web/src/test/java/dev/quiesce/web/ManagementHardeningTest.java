package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.testing.Await;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The management listener under hostile input, over raw sockets on 127.0.0.1: malformed request
 * lines and headers, methods not allowed, unknown and odd paths, bodies beyond the limit,
 * malformed bodies, wrong tokens. Every answer is short and carries no internal detail, and
 * nothing changes; the listener binds to 127.0.0.1 unless configured otherwise.
 */
class ManagementHardeningTest {

  private static final String TOKEN = ManagementTest.TOKEN;
  private static final int CASES = 600;
  /** What an answer may never contain: stack traces, class and package names. */
  private static final List<String> INTERNALS = List.of("Exception", "\tat ", "dev.quiesce", "io.vertx",
      "io.netty", "java.", "jdk.", "Caused by");
  private static final Set<Integer> ALLOWED = Set.of(200, 202, 400, 401, 403, 404, 405, 409, 413, 414, 431, 501, 503);

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  private final AtomicInteger phases = new AtomicInteger();

  @BeforeEach
  void start() {
    fx.deployCoordinator(new JsonObject());
    Await.result(fx.vertx.eventBus().consumer(EventBusContract.PHASE, m -> phases.incrementAndGet()).completion());
  }

  /** One raw request and what came back. */
  private record Exchange(String what, int status, Map<String, String> headers, String body, boolean closed) {
  }

  /** A case of the corpus: the bytes sent, and whether the server may close without answering. */
  private record Case(String what, byte[] request, boolean head) {
  }

  @Test
  void hostileRequestsGetShortAnswersWithoutInternalDetailAndChangeNothing() throws Exception {
    fx.deployManagement(WebFixture.config(new JsonObject(), new JsonObject().put("token", TOKEN)));
    List<Case> corpus = corpus(new Random(20261207L));
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
        org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    root.addAppender(logged);
    Map<Integer, Integer> byStatus = new TreeMap<>();
    int closedWithoutAnswer = 0;
    for (Case c : corpus) {
      Exchange e = exchange(fx.managementPort(), c);
      if (e.closed()) {
        closedWithoutAnswer++;
        continue;
      }
      byStatus.merge(e.status(), 1, Integer::sum);
      assertThat(e.status()).as("status for %s", c.what()).isIn(ALLOWED);
      if (e.status() == 200 && c.what().contains(" /metrics")) {
        continue; // the Prometheus text itself: long by design, and its meter names are public
      }
      assertThat(e.body().length()).as("answer to %s", c.what()).isLessThan(2000);
      for (String internal : INTERNALS) {
        assertThat(e.body()).as("answer to %s", c.what()).doesNotContain(internal);
        e.headers().forEach((k, v) -> assertThat(k + ": " + v).as("header of the answer to %s", c.what())
            .doesNotContain(internal));
      }
    }
    root.detachAppender(logged);
    List<String> errors;
    synchronized (logged) {
      errors = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
          .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
    }
    assertThat(errors).as("hostile requests must not flood the log with warnings or stack traces").isEmpty();
    // nothing changed: still running, no phase or step published, and the listener still answers
    assertThat(fx.coordinator.state()).isEqualTo(LifecycleState.RUNNING);
    assertThat(phases.get()).as("phases or steps published").isZero();
    Exchange ready = exchange(fx.managementPort(), new Case("a probe after the corpus",
        ascii("GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n"), false));
    assertThat(ready.status()).isEqualTo(200);
    assertThat(closedWithoutAnswer).as("connections closed without an answer").isLessThan(corpus.size() / 10);
    System.out.printf("management hardening: %d hostile requests, answers by status %s, %d closed without an"
        + " answer; state unchanged%n", corpus.size(), byStatus, closedWithoutAnswer);
  }

  @Test
  void listensOnLoopbackOnlyUnlessConfiguredOtherwise() throws Exception {
    assertThat(ManagementConfig.defaults().host()).isEqualTo("127.0.0.1");
    JsonObject root = new JsonObject().put("management", new JsonObject().put("port", 0));
    fx.deployManagement(root);
    int port = fx.managementPort();
    assertThat(listeners(port)).as("listening sockets on port %d", port).containsExactly("127.0.0.1");

    // configured otherwise: another loopback address, so the test never listens beyond this machine
    WebFixture other = new WebFixture();
    try {
      other.deployCoordinator(new JsonObject());
      other.deployManagement(new JsonObject().put("management", new JsonObject().put("port", 0)
          .put("host", "127.0.0.2")));
      assertThat(listeners(other.managementPort())).containsExactly("127.0.0.2");
    } finally {
      other.close();
    }
  }

  // ---------------------------------------------------------------- the corpus

  private static List<Case> corpus(Random r) {
    List<Case> cases = new ArrayList<>();
    String[] methods = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO", "get", "P0ST"};
    String[] paths = {"/health/live", "/health/ready", "/lifecycle/status", "/lifecycle/stop", "/lifecycle/drain",
        "/lifecycle/resume", "/lifecycle/reload", "/metrics", "/lifecycle/events", "/", "/nope", "/health",
        "/health/ready/x", "/lifecycle", "/lifecycle/stop/", "/LIFECYCLE/STOP", "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd", "/%zz", "/lifecycle/stop?reason=x", "/metrics?name[]=x", "//lifecycle//stop",
        "*", "http://127.0.0.1/lifecycle/stop", "/\u00e9t\u00e9", "/lifecycle/%00stop", "/" + "a".repeat(5000)};
    String[] auth = {null, "Bearer wrong-token-0000000000", "Bearer " + TOKEN + "x", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==",
        "bearer " + TOKEN.substring(1), "Bearer " + "t".repeat(6000), "Bearer \u00ff\u00fe", "Bearer " + TOKEN};
    String[] bodies = {null, "", "{not json", "[]", "{\"reason\": 1}", "{\"why\": \"x\"}", "{\"reason\": \"x\", \"a\": 1}",
        "x".repeat(5000), "[".repeat(3000), "\u0000\u0001\u0002", "{\"reason\": \"" + "r".repeat(4000) + "\"}", "null",
        "\"a string\"", "42"};
    for (int i = 0; i < CASES; i++) {
      String method = methods[r.nextInt(methods.length)];
      String path = paths[r.nextInt(paths.length)];
      String token = auth[r.nextInt(auth.length)];
      String body = bodies[r.nextInt(bodies.length)];
      boolean rightToken = ("Bearer " + TOKEN).equals(token);
      if (rightToken && "POST".equals(method)) {
        body = r.nextBoolean() ? "{not json" : "[]"; // with the right token, only bodies that must be refused
      }
      if ("GET".equals(method) && path.equals("/lifecycle/events")) {
        path = "/lifecycle/events/x"; // a real events stream never ends by itself
      }
      StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      if (token != null) {
        head.append("Authorization: ").append(token).append("\r\n");
      }
      switch (r.nextInt(12)) {
        case 0 -> head.append("X-Junk: ").append("j".repeat(9000)).append("\r\n");
        case 1 -> head.append("no colon in this header line\r\n");
        case 2 -> head.append("Content-Type: application/json; charset=\u00ff\r\n");
        case 3 -> head.append("X-Nul: a\u0000b\r\n");
        case 4 -> head.append("Content-Length: 10\r\nContent-Length: 12\r\n");
        default -> { }
      }
      byte[] bodyBytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      boolean chunked = body != null && r.nextInt(5) == 0;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (chunked) {
        head.append("Transfer-Encoding: chunked\r\n\r\n");
        out.writeBytes(latin1(head.toString()));
        if (r.nextBoolean()) {
          out.writeBytes(ascii("zz\r\nbroken chunk\r\n0\r\n\r\n"));
        } else {
          out.writeBytes(ascii(Integer.toHexString(bodyBytes.length) + "\r\n"));
          out.writeBytes(bodyBytes);
          out.writeBytes(ascii("\r\n0\r\n\r\n"));
        }
      } else {
        if (body != null) {
          head.append("Content-Length: ").append(bodyBytes.length).append("\r\n");
        }
        head.append("\r\n");
        out.writeBytes(latin1(head.toString()));
        out.writeBytes(bodyBytes);
      }
      cases.add(new Case(method + " " + cut(path) + " auth=" + cut(String.valueOf(token)) + " body=" + cut(String.valueOf(body))
          + (chunked ? " chunked" : ""), out.toByteArray(), "HEAD".equals(method)));
    }
    // request lines that are not HTTP at all (each ends with a line break and holds printable bytes: an
    // unfinished request line, or control characters and empty lines alone, which HTTP/1.1 servers skip
    // before a request line, are waited for up to the listener's idle timeout)
    for (String garbage : List.of("BOGUS\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
        "GET / FTP/1.0\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u00fc\u0003\u0003tls-client-hello\r\n\r\n",
        "GET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "POST /lifecycle/stop HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n",
        "POST /lifecycle/stop HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "GET /health/live HTTP/1.1\r\n" + "X: y\r\n".repeat(2000) + "\r\n")) {
      cases.add(new Case("raw " + cut(garbage), latin1(garbage), false));
    }
    return cases;
  }

  private static String cut(String s) {
    String t = s.replace("\r", "\\r").replace("\n", "\\n");
    return t.length() > 40 ? t.substring(0, 40) + "…(" + t.length() + ")" : t;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] latin1(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  // ---------------------------------------------------------------- one exchange on a raw socket

  /** Sends the case on a new connection; reads one answer, or notes that the server closed without one (5 s bound). */
  private static Exchange exchange(int port, Case c) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      try {
        socket.getOutputStream().write(c.request());
        socket.getOutputStream().flush();
      } catch (IOException e) {
        // the server may close while a large request is still being written: read what it answered
      }
      InputStream in = socket.getInputStream();
      String status;
      try {
        status = line(in);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no answer within 5 s to " + c.what());
      } catch (IOException e) {
        return new Exchange(c.what(), -1, Map.of(), "", true);
      }
      if (status == null) {
        return new Exchange(c.what(), -1, Map.of(), "", true);
      }
      int code = Integer.parseInt(status.split(" ", 3)[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
        int colon = h.indexOf(':');
        headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
      String body = "";
      try {
        if (!c.head() && headers.containsKey("content-length")) {
          body = new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))), StandardCharsets.UTF_8);
        } else if (!c.head() && "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
          ByteArrayOutputStream b = new ByteArrayOutputStream();
          for (String size = line(in); size != null; size = line(in)) {
            int n = Integer.parseInt(size.split(";")[0].trim(), 16);
            if (n == 0 || b.size() > 100_000) {
              break;
            }
            b.writeBytes(in.readNBytes(n));
            line(in);
          }
          body = b.toString(StandardCharsets.UTF_8);
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the body of the answer to " + c.what() + " did not come within 5 s");
      } catch (EOFException e) {
        // cut short: keep what came
      }
      return new Exchange(c.what(), code, headers, body, false);
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        int len = sb.length();
        return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
      }
      sb.append((char) b);
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  // ---------------------------------------------------------------- what listens where

  /** The local addresses of the sockets listening on {@code port}, from /proc/net/tcp and tcp6. */
  private static List<String> listeners(int port) throws IOException {
    List<String> out = new ArrayList<>();
    for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(file);
      if (!Files.exists(p)) {
        continue;
      }
      for (String line : Files.readAllLines(p)) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 4 || !f[3].equals("0A")) { // 0A: LISTEN
          continue;
        }
        String[] local = f[1].split(":");
        if (Integer.parseInt(local[1], 16) == port) {
          out.add(address(local[0]));
        }
      }
    }
    return out;
  }

  /**
   * A /proc/net address in hex (32-bit words in the host's little-endian byte order) as text: IPv4
   * and IPv4-mapped IPv6 addresses (the JVM's dual-stack sockets) as {@code 127.0.0.1}, other IPv6
   * addresses as {@code [hex]}.
   */
  private static String address(String hex) {
    if (hex.length() == 32 && hex.startsWith("0000000000000000FFFF0000")) {
      hex = hex.substring(24);
    }
    if (hex.length() != 8) {
      return "[" + hex + "]";
    }
    long v = Long.parseLong(hex, 16);
    return (v & 0xff) + "." + (v >> 8 & 0xff) + "." + (v >> 16 & 0xff) + "." + (v >> 24 & 0xff);
  }
}
