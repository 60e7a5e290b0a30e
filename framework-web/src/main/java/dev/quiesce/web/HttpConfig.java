package dev.quiesce.web;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.Durations;
import dev.quiesce.lifecycle.AckMargin;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.PhaseSpec;
import dev.quiesce.lifecycle.Steps;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated {@code http} section of the configuration: the application's HTTP listener and
 * how it drains.
 *
 * @param host the address to listen on; default {@code 0.0.0.0} (every interface: this is the
 *     listener a load balancer sends traffic to)
 * @param port the TCP port; {@code 0} picks a free port (every instance then shares the port the
 *     first one got); default 8080
 * @param instances how many instances of the server run, each on its own event loop, sharing the
 *     port; default 1
 * @param preStopDelay how long the {@code announce} phase keeps serving normally with readiness
 *     down, so a load balancer notices; default 0 s (the phase budget in {@code lifecycle.phases}
 *     must hold it plus the acknowledgement's margin: the delay plus 250 ms from 2.25 s on)
 * @param preStopProbes when above 0, {@code announce} ends as soon as this many readiness probes
 *     have been answered 503, still capped by {@link #preStopDelay}; default 0 (fixed delay)
 * @param readinessPath when present, the application listener also answers readiness on this
 *     path (for balancers that probe the traffic port); default absent
 * @param sseFinalEvent the text written to every server-sent-event stream when a drain begins,
 *     before the stream is ended; empty for none
 * @param webSocketCloseGrace how long a WebSocket told "going away" (1001) has to answer the close
 *     before its connection is closed; rounded up to whole seconds (the unit of Vert.x's closing
 *     timeout); default 1 s
 * @param reloadCloseWindow during a reload, how long an old instance answers with
 *     {@code Connection: close} before it shuts down, so keep-alive clients move to a new
 *     connection between two requests rather than racing an idle close; default 500 ms
 * @param undeployDrainTimeout the drain budget when the verticle is undeployed without a drain
 *     phase having run first (the application undeploys it itself, or no {@code drain} phase is
 *     configured); default 5 s
 * @param http2ClearText accept HTTP/2 over clear text (h2c upgrade and prior knowledge); off by
 *     default because a connection still deciding its protocol is not drained until the budget
 *     ends, and the JDK client fails in-flight h2c requests with "GOAWAY received"
 * @param serverOptions extra Vert.x {@link HttpServerOptions} as JSON (TLS, compression, limits),
 *     applied before the keys above, which win
 * @param drainCloseWindow in a stop's drain, how long the listener keeps accepting while every
 *     response carries {@code Connection: close} and its connection closes after it, so that
 *     keep-alive clients leave between two requests; a connection still idle at its end has
 *     carried no request for that long and is closed; at most half of the drain budget; default 500 ms
 */
public record HttpConfig(String host, int port, int instances, Duration preStopDelay, int preStopProbes,
    Optional<String> readinessPath, String sseFinalEvent, Duration webSocketCloseGrace, Duration reloadCloseWindow,
    Duration undeployDrainTimeout, boolean http2ClearText, JsonObject serverOptions, Duration drainCloseWindow) {

  /** The section's key. */
  public static final String SECTION = "http";

  /** The default {@code host}: every interface. */
  public static final String DEFAULT_HOST = "0.0.0.0";
  /** The default {@code port}. */
  public static final int DEFAULT_PORT = 8080;
  /** The default {@code sseFinalEvent}: a {@code going-away} event that asks the client to reconnect after 3 s. */
  public static final String DEFAULT_SSE_FINAL_EVENT = "event: going-away\ndata: server going away\nretry: 3000\n\n";

  static final List<String> KEYS = ConfigReader.keys("host", "port", "instances", "preStopDelay", "preStopProbes",
      "readinessPath", "sseFinalEvent", "webSocketCloseGrace", "reloadCloseWindow", "drainCloseWindow", "undeployDrainTimeout",
      "http2ClearText", "serverOptions");

  private static final int DEFAULT_INSTANCES = 1;
  private static final int DEFAULT_PRE_STOP_PROBES = 0;
  private static final boolean DEFAULT_HTTP2_CLEAR_TEXT = false;
  private static final Duration DEFAULT_PRE_STOP_DELAY = Duration.ZERO;
  private static final Duration DEFAULT_WEBSOCKET_GRACE = Duration.ofSeconds(1);
  private static final Duration DEFAULT_RELOAD_WINDOW = Duration.ofMillis(500);
  private static final Duration DEFAULT_DRAIN_WINDOW = Duration.ofMillis(500);
  private static final Duration DEFAULT_UNDEPLOY_DRAIN = Duration.ofSeconds(5);

  /**
   * Copies {@code serverOptions} (null: none).
   *
   * @param host the address to listen on
   * @param port the TCP port
   * @param instances how many instances of the server run, each on its own event loop, sharing the port
   * @param preStopDelay how long the {@code announce} phase keeps serving normally with readiness down, so a
   *     load balancer notices
   * @param preStopProbes when above 0, {@code announce} ends as soon as this many readiness probes have been
   *     answered 503, still capped by {@link #preStopDelay}
   * @param readinessPath when present, the application listener also answers readiness on this path (for
   *     balancers that probe the traffic port)
   * @param sseFinalEvent the text written to every server-sent-event stream when a drain begins, before the
   *     stream is ended
   * @param webSocketCloseGrace how long a WebSocket told "going away" (1001) has to answer the close before its
   *     connection is closed
   * @param reloadCloseWindow during a reload, how long an old instance answers with {@code Connection: close}
   *     before it shuts down, so keep-alive clients move to a new connection between two requests rather than racing
   *     an idle close
   * @param undeployDrainTimeout the drain budget when the verticle is undeployed without a drain phase having
   *     run first (the application undeploys it itself, or no {@code drain} phase is configured)
   * @param http2ClearText accept HTTP/2 over clear text (h2c upgrade and prior knowledge)
   * @param serverOptions extra Vert.x {@link HttpServerOptions} as JSON (TLS, compression, limits), applied
   *     before the keys above, which win
   * @param drainCloseWindow in a stop's drain, how long the listener keeps accepting while every response
   *     carries {@code Connection: close} and its connection closes after it, so that keep-alive clients leave
   *     between two requests
   * @throws NullPointerException if {@code host}, {@code readinessPath} or {@code sseFinalEvent} is null
   */
  public HttpConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(readinessPath, "readinessPath");
    Objects.requireNonNull(sseFinalEvent, "sseFinalEvent");
    serverOptions = serverOptions == null ? new JsonObject() : serverOptions.copy();
  }

  /**
   * Reads and validates the {@code http} section of a whole configuration; missing keys take
   * their defaults.
   *
   * @param root the whole configuration
   * @return the section, valid
   * @throws ConfigException naming the JSON path and rule of every problem
   */
  public static HttpConfig from(JsonObject root) {
    return ConfigReader.readAll(root, HttpConfig::read);
  }

  /**
   * Reads the {@code http} section of {@code root}, recording problems in it (never throws for bad input).
   *
   * @param root a reader of the whole configuration, which collects the problems
   * @return the section as far as it could be read (defaults where a value is invalid)
   */
  public static HttpConfig read(ConfigReader root) {
    ConfigReader r = root.object(SECTION);
    r.allowOnly(KEYS);
    String host = r.host("host", DEFAULT_HOST);
    int port = r.integer("port", DEFAULT_PORT, 0, 65535);
    int instances = r.integer("instances", DEFAULT_INSTANCES, 1, 128);
    Duration preStopDelay = r.duration("preStopDelay", DEFAULT_PRE_STOP_DELAY, Duration.ZERO, Duration.ofMinutes(10));
    int preStopProbes = r.integer("preStopProbes", DEFAULT_PRE_STOP_PROBES, 0, 100_000);
    checkAnnounceBudget(root, r, preStopDelay);
    String readinessPath = r.string("readinessPath", null);
    if (readinessPath != null && (!readinessPath.startsWith("/") || readinessPath.contains(" "))) {
      r.problem("readinessPath", ConfigReader.describe(readinessPath) + " is not a path; it must start with \"/\"");
      readinessPath = null;
    }
    String sse = r.string("sseFinalEvent", DEFAULT_SSE_FINAL_EVENT);
    if (sse != null && !sse.isEmpty() && !sse.endsWith("\n\n")) {
      r.problem("sseFinalEvent", "must end with a blank line (\"\\n\\n\") so the client dispatches the event,"
          + " or be empty for none");
      sse = DEFAULT_SSE_FINAL_EVENT;
    }
    Duration wsGrace = r.duration("webSocketCloseGrace", DEFAULT_WEBSOCKET_GRACE, Duration.ZERO, Duration.ofMinutes(5));
    Duration window = r.duration("reloadCloseWindow", DEFAULT_RELOAD_WINDOW, Duration.ZERO, Duration.ofMinutes(1));
    Duration drainWindow = r.duration("drainCloseWindow", DEFAULT_DRAIN_WINDOW, Duration.ZERO, Duration.ofMinutes(1));
    Duration undeploy = r.duration("undeployDrainTimeout", DEFAULT_UNDEPLOY_DRAIN, Duration.ZERO,
        Duration.ofMinutes(10));
    boolean h2c = r.bool("http2ClearText", DEFAULT_HTTP2_CLEAR_TEXT);
    ConfigReader options = r.object("serverOptions");
    JsonObject serverOptions = options.json();
    if (!serverOptions.isEmpty()) {
      try {
        new HttpServerOptions(serverOptions);
      } catch (RuntimeException e) {
        r.problem("serverOptions", "is not valid Vert.x HttpServerOptions: " + e.getMessage());
        serverOptions = new JsonObject();
      }
    }
    return new HttpConfig(host, port, instances, preStopDelay, preStopProbes, Optional.ofNullable(readinessPath),
        sse == null ? "" : sse, wsGrace, window, undeploy, h2c, serverOptions, drainWindow);
  }

  /**
   * Refuses a {@code preStopDelay} that the {@code announce} phase could not wait for in full: its
   * budget in {@code lifecycle.phases} must hold the delay plus the margin the acknowledgement is
   * sent in ({@link AckMargin#budgetFor}: the delay plus 250 ms from 2.25 s on), since the phase
   * never outlasts its budget. A
   * plan without an {@code announce} phase has no delay, whatever the setting. Checked only when
   * {@code root} has a {@code lifecycle} section (the launcher's merged configuration always has
   * one); an invalid {@code lifecycle} section is reported by its own reader, not here.
   */
  private static void checkAnnounceBudget(ConfigReader root, ConfigReader http, Duration preStopDelay) {
    if (preStopDelay.isZero() || !root.has(LifecycleConfig.SECTION)) {
      return;
    }
    LifecycleConfig lifecycle;
    try {
      lifecycle = LifecycleConfig.from(root.json());
    } catch (ConfigException e) {
      return;
    }
    List<PhaseSpec> phases = lifecycle.phases();
    for (int i = 0; i < phases.size(); i++) {
      PhaseSpec phase = phases.get(i);
      long needed = AckMargin.budgetFor(preStopDelay.toMillis());
      if (phase.name().equals(Steps.ANNOUNCE) && phase.timeout().toMillis() < needed) {
        http.problem("preStopDelay", Durations.format(preStopDelay) + " is longer than the announce phase can wait:"
            + " lifecycle.phases[" + i + "].timeout is " + Durations.format(phase.timeout()) + "; it needs at least "
            + Durations.format(preStopDelay) + " for the delay plus the margin to send the acknowledgement (a tenth"
            + " of the budget, at most 250ms): set it to " + Durations.format(Duration.ofMillis(needed))
            + " or more, or lower preStopDelay");
        return;
      }
    }
  }

  /**
   * The defaults alone.
   *
   * @return the section of an empty configuration
   */
  public static HttpConfig defaults() {
    return from(new JsonObject());
  }

  /**
   * The defaults as JSON: {@code {"http": {...}}}.
   *
   * @return a new object holding the section with every key that has a default
   */
  public static JsonObject defaultsJson() {
    return new JsonObject().put(SECTION, new JsonObject()
        .put("host", DEFAULT_HOST)
        .put("port", DEFAULT_PORT)
        .put("instances", DEFAULT_INSTANCES)
        .put("preStopDelay", Durations.format(DEFAULT_PRE_STOP_DELAY))
        .put("preStopProbes", DEFAULT_PRE_STOP_PROBES)
        .put("sseFinalEvent", DEFAULT_SSE_FINAL_EVENT)
        .put("webSocketCloseGrace", Durations.format(DEFAULT_WEBSOCKET_GRACE))
        .put("reloadCloseWindow", Durations.format(DEFAULT_RELOAD_WINDOW))
        .put("drainCloseWindow", Durations.format(DEFAULT_DRAIN_WINDOW))
        .put("undeployDrainTimeout", Durations.format(DEFAULT_UNDEPLOY_DRAIN))
        .put("http2ClearText", DEFAULT_HTTP2_CLEAR_TEXT));
  }

  /**
   * The Vert.x server options of one instance listening on {@code listenPort}.
   *
   * @param listenPort the port this instance binds
   * @return new options: {@code serverOptions} with this section's host, port, h2c and WebSocket closing timeout
   */
  public HttpServerOptions serverOptions(int listenPort) {
    HttpServerOptions options = serverOptions.isEmpty() ? new HttpServerOptions()
        : new HttpServerOptions(serverOptions);
    long graceSeconds = (webSocketCloseGrace.toMillis() + 999) / 1000;
    return options.setHost(host).setPort(listenPort).setHttp2ClearTextEnabled(http2ClearText)
        .setWebSocketClosingTimeout((int) graceSeconds);
  }
}
