package dev.quiesce.web;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.Durations;
import dev.quiesce.web.impl.TokenRule;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated {@code management} section: the separate listener for probes, status, the
 * lifecycle events stream, control commands and metrics.
 *
 * @param enabled whether {@link QuiesceWeb#deploy} deploys the management listener; default true
 * @param host the address to listen on; default {@code 127.0.0.1} (loopback only: expose it
 *     deliberately)
 * @param port the TCP port; {@code 0} picks a free one; default 8081
 * @param token the bearer token the control endpoints ({@code POST /lifecycle/...}) require;
 *     absent by default, and then those endpoints answer 403. At least 16 characters.
 * @param metricsEnabled whether Vert.x is created with Micrometer metrics and {@code GET /metrics}
 *     answers Prometheus text; default true
 * @param maxBodySize the largest request body accepted, in bytes; larger ones get 413; default 4096
 * @param commandTimeout how long the listener waits for the lifecycle coordinator to answer a
 *     status or control request; default 5 s
 * @param processTimeout how long {@code GET /lifecycle/status} waits for the process manager's
 *     summary before leaving it out; default 500 ms
 * @param eventsHeartbeat how often an idle events stream gets a comment line, so proxies keep it
 *     open; default 15 s
 * @param tokenFile a file holding the bearer token (surrounding white space, such as the final
 *     newline, is ignored), read at start and again at each reload; the same rules as {@code token}
 *     apply to its content. Absent by default; setting it together with {@code token} (for example
 *     through {@code QUIESCE_MANAGEMENT_TOKEN}) is a problem: neither silently wins.
 * @param tls HTTPS on the management listener ({@link ManagementTls}); absent by default (plain HTTP)
 * @param allowPlainText allows a control token on a non-loopback {@code host} without {@code tls}
 *     (for example behind a TLS-terminating proxy); default false, and then such a configuration is
 *     refused, because the token would cross the network in clear text
 */
public record ManagementConfig(boolean enabled, String host, int port, Optional<String> token,
    boolean metricsEnabled, int maxBodySize, Duration commandTimeout, Duration processTimeout,
    Duration eventsHeartbeat, Optional<Path> tokenFile, Optional<ManagementTls> tls, boolean allowPlainText) {

  /** The section's key. */
  public static final String SECTION = "management";

  /** The default {@code host}: loopback only. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** The default {@code port}. */
  public static final int DEFAULT_PORT = 8081;
  /** The fewest characters a control token may have. */
  public static final int MIN_TOKEN_LENGTH = 16;

  static final List<String> KEYS = ConfigReader.keys("enabled", "host", "port", "token", "metricsEnabled",
      "maxBodySize", "commandTimeout", "processTimeout", "eventsHeartbeat", "tokenFile", "tls", "allowPlainText");

  private static final boolean DEFAULT_ENABLED = true;
  private static final boolean DEFAULT_METRICS_ENABLED = true;
  private static final int DEFAULT_MAX_BODY = 4096;
  private static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration DEFAULT_PROCESS_TIMEOUT = Duration.ofMillis(500);
  private static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);

  /**
   * Checks the components.
   *
   * @param enabled whether {@link QuiesceWeb#deploy} deploys the management listener
   * @param host the address to listen on
   * @param port the TCP port
   * @param token the bearer token the control endpoints ({@code POST /lifecycle/...}) require
   * @param metricsEnabled whether Vert.x is created with Micrometer metrics and {@code GET /metrics} answers
   *     Prometheus text
   * @param maxBodySize the largest request body accepted, in bytes
   * @param commandTimeout how long the listener waits for the lifecycle coordinator to answer a status or
   *     control request
   * @param processTimeout how long {@code GET /lifecycle/status} waits for the process manager's summary before
   *     leaving it out
   * @param eventsHeartbeat how often an idle events stream gets a comment line, so proxies keep it open
   * @param tokenFile a file holding the bearer token (surrounding white space, such as the final newline, is
   *     ignored), read at start and again at each reload
   * @param tls HTTPS on the management listener ({@link ManagementTls})
   * @param allowPlainText allows a control token on a non-loopback {@code host} without {@code tls} (for example
   *     behind a TLS-terminating proxy)
   * @throws NullPointerException if {@code host}, {@code token}, {@code tokenFile} or {@code tls} is null
   */
  public ManagementConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(tokenFile, "tokenFile");
    Objects.requireNonNull(tls, "tls");
  }

  /**
   * Whether a control token is configured, inline or in a file.
   *
   * @return true when {@code token} or {@code tokenFile} is present
   */
  public boolean tokenConfigured() {
    return token.isPresent() || tokenFile.isPresent();
  }

  /**
   * Reads and validates the {@code management} section of a whole configuration.
   *
   * @param root the whole configuration
   * @return the section, valid
   * @throws ConfigException naming the JSON path and rule of every problem
   */
  public static ManagementConfig from(JsonObject root) {
    return ConfigReader.readAll(root, ManagementConfig::read);
  }

  /**
   * Reads the {@code management} section of {@code root}, recording problems in it (never throws for bad input).
   *
   * @param root a reader of the whole configuration, which collects the problems
   * @return the section as far as it could be read (defaults where a value is invalid)
   */
  public static ManagementConfig read(ConfigReader root) {
    ConfigReader r = root.object(SECTION);
    r.allowOnly(KEYS);
    boolean enabled = r.bool("enabled", DEFAULT_ENABLED);
    String host = r.host("host", DEFAULT_HOST);
    int port = r.integer("port", DEFAULT_PORT, 0, 65535);
    String token = r.string("token", null);
    Optional<String> tokenProblem = token == null ? Optional.empty() : TokenRule.whyNot(token);
    if (tokenProblem.isPresent()) {
      r.problem("token", tokenProblem.get());
      token = null;
    }
    Optional<Path> tokenFile = ManagementTls.path(r, "tokenFile", r.string("tokenFile", null));
    if (r.has("tokenFile") && r.json().getValue("tokenFile") instanceof String s && s.isBlank()) {
      r.problem("tokenFile", "must not be empty; leave it out to use no token file");
    }
    if (tokenFile.isPresent() && r.has("token")) {
      r.problem("tokenFile", "is set together with management.token (perhaps through QUIESCE_MANAGEMENT_TOKEN);"
          + " set only one of them");
    }
    Optional<ManagementTls> tls = ManagementTls.read(r);
    boolean allowPlainText = r.bool("allowPlainText", false);
    boolean tokenSet = r.has("token") || tokenFile.isPresent();
    if (tokenSet && !r.has(ManagementTls.KEY) && !allowPlainText && !isLoopback(host)) {
      r.problem("host", plainTextRefusal(host));
    }
    boolean metrics = r.bool("metricsEnabled", DEFAULT_METRICS_ENABLED);
    int maxBody = r.integer("maxBodySize", DEFAULT_MAX_BODY, 0, 1 << 20);
    Duration command = r.duration("commandTimeout", DEFAULT_COMMAND_TIMEOUT, Duration.ofMillis(10),
        Duration.ofMinutes(5));
    Duration process = r.duration("processTimeout", DEFAULT_PROCESS_TIMEOUT, Duration.ofMillis(10),
        Duration.ofMinutes(1));
    Duration heartbeat = r.duration("eventsHeartbeat", DEFAULT_HEARTBEAT, Duration.ofMillis(100),
        Duration.ofHours(1));
    return new ManagementConfig(enabled, host, port, Optional.ofNullable(token), metrics, maxBody, command,
        process, heartbeat, tokenFile, tls, allowPlainText);
  }

  /**
   * Whether {@code host} is a loopback address by its text alone (never looked up): {@code localhost},
   * an IPv4 literal in 127.0.0.0/8, or the IPv6 literal {@code ::1}. Any other name counts as
   * reachable from the network, even one that resolves to a loopback address.
   *
   * @param host a host name or address literal, IPv6 with or without brackets
   * @return true when {@code host} is a loopback address by its text
   */
  public static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (h.matches("[0-9.]+") || h.indexOf(':') >= 0) {
      try {
        // a literal is parsed, never looked up
        return InetAddress.getByName(h.indexOf(':') >= 0 ? "[" + h + "]" : h).isLoopbackAddress();
      } catch (UnknownHostException | RuntimeException e) {
        return false;
      }
    }
    return false;
  }

  /** Why a token on {@code host} without TLS is refused, and the ways out. */
  static String plainTextRefusal(String host) {
    return ConfigReader.describe(host) + " is not a loopback address and a control token is configured (management."
        + "token or management.tokenFile) without management.tls: the token would cross the network in clear text."
        + " Configure management.tls, listen on 127.0.0.1, or set management.allowPlainText to true (for example"
        + " behind a TLS-terminating proxy on the same host)";
  }

  /**
   * The defaults alone.
   *
   * @return the section of an empty configuration
   */
  public static ManagementConfig defaults() {
    return from(new JsonObject());
  }

  /**
   * The defaults as JSON: {@code {"management": {...}}} (no token).
   *
   * @return a new object holding the section with every key that has a default
   */
  public static JsonObject defaultsJson() {
    return new JsonObject().put(SECTION, new JsonObject()
        .put("enabled", DEFAULT_ENABLED)
        .put("host", DEFAULT_HOST)
        .put("port", DEFAULT_PORT)
        .put("metricsEnabled", DEFAULT_METRICS_ENABLED)
        .put("maxBodySize", DEFAULT_MAX_BODY)
        .put("commandTimeout", Durations.format(DEFAULT_COMMAND_TIMEOUT))
        .put("processTimeout", Durations.format(DEFAULT_PROCESS_TIMEOUT))
        .put("eventsHeartbeat", Durations.format(DEFAULT_HEARTBEAT))
        // present (null) so that QUIESCE_MANAGEMENT_TOKENFILE finds its key's spelling
        .putNull("tokenFile")
        .put("allowPlainText", false));
  }

  /** Like the record's, but the token is never shown. */
  @Override
  public String toString() {
    return "ManagementConfig[enabled=" + enabled + ", host=" + host + ", port=" + port + ", token="
        + (token.isPresent() ? "<set>" : "<none>") + ", metricsEnabled=" + metricsEnabled + ", maxBodySize="
        + maxBodySize + ", commandTimeout=" + Durations.format(commandTimeout) + ", processTimeout="
        + Durations.format(processTimeout) + ", eventsHeartbeat=" + Durations.format(eventsHeartbeat) + ", tokenFile="
        + tokenFile.map(Path::toString).orElse("<none>") + ", tls=" + tls.map(ManagementTls::toString).orElse("<none>")
        + ", allowPlainText=" + allowPlainText + "]";
  }
}
