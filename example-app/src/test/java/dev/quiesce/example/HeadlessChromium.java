package dev.quiesce.example;

import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's Chromium in headless mode, driven over the Chrome DevTools Protocol on a Vert.x
 * WebSocket: one page, {@link #navigate}, {@link #evaluate} and {@link #screenshot}. The browser
 * listens on 127.0.0.1 with a port of its own choosing (read from its stderr), keeps its profile in a
 * directory of the test's, carries {@code TEST_RUN_TAG} in its environment, and {@link #close} ends
 * it and what it started by pid. Without a Chromium on the PATH (or in {@code CHROMIUM}) {@link #start}
 * fails and says how to install one: CI installs it ({@code .ci/run}).
 */
final class HeadlessChromium implements AutoCloseable {

  private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://127\\.0\\.0\\.1:(\\d+)/\\S+)");
  private static final Duration START = Duration.ofSeconds(30);
  private static final Duration CALL = Duration.ofSeconds(30);

  private final Process process;
  private final Path profile;
  private final Path log;
  private final Vertx vertx = Vertx.vertx();
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Promise<JsonObject>> calls = new ConcurrentHashMap<>();
  private WebSocket page;

  private HeadlessChromium(Process process, Path profile, Path log) {
    this.process = process;
    this.profile = profile;
    this.log = log;
  }

  /** The Chromium binary: {@code CHROMIUM} if set, else {@code chromium} or {@code chromium-browser} on the PATH. */
  static Path binary() {
    String explicit = System.getenv("CHROMIUM");
    if (explicit != null && !explicit.isBlank()) {
      if (!Files.isExecutable(Path.of(explicit))) {
        throw new AssertionError("CHROMIUM=" + explicit + " is not an executable file: the dashboard is tested in a"
            + " real headless browser; install one with `apt-get install -y chromium` (.ci/run does)");
      }
      return Path.of(explicit);
    }
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    return Stream.of(path.split(":")).filter(d -> !d.isEmpty())
        .flatMap(d -> Stream.of(Path.of(d, "chromium"), Path.of(d, "chromium-browser")))
        .filter(Files::isExecutable).findFirst()
        .orElseThrow(() -> new AssertionError("no Chromium found (neither chromium nor chromium-browser on the PATH"
            + " " + path + ", and CHROMIUM is not set): the dashboard is tested in a real headless browser;"
            + " install one with `apt-get install -y chromium` (.ci/run does)"));
  }

  /** Starts the browser with its profile and log in {@code dir}, then attaches to its first page. */
  static HeadlessChromium start(Path dir) throws IOException {
    Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
    Path log = dir.resolve("chromium.log");
    ProcessBuilder builder = new ProcessBuilder(binary().toString(), "--headless=new",
        "--remote-debugging-port=0", "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check",
        "--disable-gpu", "--disable-extensions", "--disable-background-networking", "--disable-sync",
        // nothing leaves the loopback: no component updates, crash reports, pings or metrics, every host name
        // unresolvable but 127.0.0.1, and anything else through a proxy that does not exist (loopback
        // addresses bypass a proxy in Chromium)
        "--disable-component-update", "--disable-domain-reliability", "--disable-breakpad", "--no-pings",
        "--metrics-recording-only", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",
        "--no-sandbox", // tests run as root on CI, where Chromium's sandbox refuses to start
        "--window-size=1280,1200", "about:blank");
    builder.environment().put("TEST_RUN_TAG", "quiesce-test-chromium-" + UUID.randomUUID());
    builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    HeadlessChromium browser = new HeadlessChromium(builder.start(), profile, log);
    try {
      browser.attach(browser.devToolsPort());
    } catch (RuntimeException | Error | IOException e) {
      browser.close(); // also when it failed an assertion (no DevTools line, no page): end it by pid
      throw e;
    }
    return browser;
  }

  /** Reads stderr (copied to the log) until the DevTools line; keeps copying it on a thread of its own. */
  private int devToolsPort() throws IOException {
    Promise<Integer> port = Promise.promise();
    Thread copier = new Thread(() -> {
      try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
          StandardCharsets.UTF_8)); var out = Files.newBufferedWriter(log)) {
        for (String line; (line = err.readLine()) != null; ) {
          out.write(line);
          out.newLine();
          out.flush();
          Matcher m = DEVTOOLS.matcher(line);
          if (m.find()) {
            port.tryComplete(Integer.parseInt(m.group(2)));
          }
        }
      } catch (IOException e) {
        port.tryFail(e);
      }
      port.tryFail("Chromium ended its stderr without a DevTools line");
    }, "chromium-stderr");
    copier.setDaemon(true);
    copier.start();
    try {
      return Await.result(port.future(), START);
    } catch (AssertionError e) {
      throw new AssertionError("Chromium did not say where DevTools listens within " + START + ": "
          + logText(), e);
    }
  }

  /** The page target's WebSocket from {@code /json/list}, then a CDP session on it. */
  private void attach(int port) throws IOException {
    JsonArray targets;
    try {
      targets = new JsonArray(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/json/list")).timeout(CALL).build(),
          HttpResponse.BodyHandlers.ofString()).body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while listing Chromium's targets", e);
    }
    URI target = targets.stream().map(JsonObject.class::cast).filter(t -> "page".equals(t.getString("type")))
        .findFirst().map(t -> URI.create(t.getString("webSocketDebuggerUrl")))
        .orElseThrow(() -> new AssertionError("Chromium has no page target: " + targets.encode()));
    // screenshots come as one base64 message of several megabytes
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(64 * 1024 * 1024).setMaxMessageSize(64 * 1024 * 1024));
    page = Await.result(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI(target.getPath()).setAllowOriginHeader(false)), CALL); // Chromium refuses an Origin it was not told of
    page.textMessageHandler(text -> {
      JsonObject message = new JsonObject(text);
      Long id = message.getLong("id");
      Promise<JsonObject> call = id == null ? null : calls.remove(id);
      if (call == null) {
        return; // an event: not used
      }
      if (message.containsKey("error")) {
        call.fail(new IllegalStateException("CDP error: " + message.getJsonObject("error").encode()));
      } else {
        call.complete(message.getJsonObject("result", new JsonObject()));
      }
    });
    call("Page.enable", new JsonObject());
    call("Runtime.enable", new JsonObject());
  }

  /** One CDP command on the page; its {@code result}. */
  JsonObject call(String method, JsonObject params) {
    long id = ids.incrementAndGet();
    Promise<JsonObject> result = Promise.promise();
    calls.put(id, result);
    page.writeTextMessage(new JsonObject().put("id", id).put("method", method).put("params", params).encode());
    Future<JsonObject> answer = result.future();
    return Await.result(answer, CALL);
  }

  void navigate(String url) {
    JsonObject result = call("Page.navigate", new JsonObject().put("url", url));
    if (result.getString("errorText") != null) {
      throw new AssertionError("Chromium could not load " + url + ": " + result.getString("errorText"));
    }
  }

  /** The value of {@code expression} evaluated in the page (JSON-serialisable values only). */
  Object evaluate(String expression) {
    JsonObject result = call("Runtime.evaluate", new JsonObject().put("expression", expression)
        .put("returnByValue", true).put("awaitPromise", true));
    if (result.containsKey("exceptionDetails")) {
      throw new AssertionError("the page threw on `" + expression + "`: "
          + result.getJsonObject("exceptionDetails").encode());
    }
    return result.getJsonObject("result", new JsonObject()).getValue("value");
  }

  /** A PNG of the whole page (beyond the window when it is taller). */
  byte[] screenshot() {
    JsonObject metrics = call("Page.getLayoutMetrics", new JsonObject());
    JsonObject size = metrics.getJsonObject("cssContentSize", metrics.getJsonObject("contentSize"));
    JsonObject clip = new JsonObject().put("x", 0).put("y", 0).put("width", size.getNumber("width"))
        .put("height", size.getNumber("height")).put("scale", 1);
    JsonObject shot = call("Page.captureScreenshot", new JsonObject().put("format", "png")
        .put("captureBeyondViewport", true).put("clip", clip));
    return Base64.getDecoder().decode(shot.getString("data"));
  }

  String logText() {
    try {
      return Files.exists(log) ? Files.readString(log) : "(no log)";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Ends the browser by its pid (TERM, then KILL after 10 s) and then those of its descendants still
   * there, each by pid; closes the WebSocket and Vert.x and deletes the profile.
   */
  @Override
  public void close() {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
      for (ProcessHandle d : descendants) {
        if (d.isAlive()) {
          d.destroyForcibly();
          d.onExit().get(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // a descendant that does not go within 10 s after KILL: nothing more to do here
    } finally {
      Await.result(vertx.close(), CALL);
      deleteQuietly(profile);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // the temporary directory goes with the test's @TempDir
    }
  }
}
