package dev.quiesce.process;

import dev.quiesce.signal.PosixSignal;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One validated entry of the {@code processes} list: a group of identical child processes
 * ({@code instances} of them), how they are started, stopped, restarted and judged ready.
 * Read it with {@link ProcessesConfig#from(JsonObject)}; README.md of the module lists every key
 * and its default.
 *
 * @param name unique, used in logger names ({@code quiesce.process.<name>}) and events
 * @param command the program and its arguments; no shell is involved unless the command names one
 * @param cwd the working directory; the JVM's when empty
 * @param env variables added to (or, with {@code inheritEnv: false}, replacing) the JVM's environment
 * @param inheritEnv whether children start from the JVM's environment
 * @param instances how many copies run (0 to 1000)
 * @param stopLadder the stop escalation, in order; always ends with {@link PosixSignal#KILL}
 * @param propagate OS signals the application receives that are passed on to every instance
 * @param reload what a reload does to the group
 * @param restart what happens when an instance exits on its own
 * @param ready when an instance counts as ready
 * @param output where stdout and stderr go
 * @param maxLineLength output lines longer than this (in bytes) are cut, and the log says so
 * @param outputEvents at most this many output lines per second per group are published as events
 * @param dependsOn the names of the groups this one starts after (once they are ready) and stops before,
 *     in the order configured; never itself, never a cycle
 * @param health how a ready instance is watched while it runs ({@link Health#NONE}: not at all)
 * @param upgrade when an upgrade's successor starts the group's instances (the JSON key {@code upgrade})
 * @param source the group's JSON as configured (to tell whether a reload changed it)
 */
public record ProcessGroupConfig(String name, List<String> command, Optional<String> cwd, Map<String, String> env,
    boolean inheritEnv, int instances, List<StopStep> stopLadder, Set<PosixSignal> propagate, Reload reload,
    Restart restart, Ready ready, Output output, int maxLineLength, int outputEvents, List<String> dependsOn,
    Health health, UpgradeMode upgrade, JsonObject source) {

  /** How long the manager waits for a process to disappear after SIGKILL before it reports it as lost. */
  public static final Duration KILL_WAIT = Duration.ofSeconds(5);

  /**
   * Copies the collections (unmodifiable).
   *
   * @param name unique, used in logger names ({@code quiesce.process.<name>}) and events
   * @param command the program and its arguments
   * @param cwd the working directory
   * @param env variables added to (or, with {@code inheritEnv: false}, replacing) the JVM's environment
   * @param inheritEnv whether children start from the JVM's environment
   * @param instances how many copies run (0 to 1000)
   * @param stopLadder the stop escalation, in order
   * @param propagate OS signals the application receives that are passed on to every instance
   * @param reload what a reload does to the group
   * @param restart what happens when an instance exits on its own
   * @param ready when an instance counts as ready
   * @param output where stdout and stderr go
   * @param maxLineLength output lines longer than this (in bytes) are cut, and the log says so
   * @param outputEvents at most this many output lines per second per group are published as events
   * @param dependsOn the names of the groups this one starts after (once they are ready) and stops before, in
   *     the order configured
   * @param health how a ready instance is watched while it runs ({@link Health#NONE}: not at all)
   * @param upgrade when an upgrade's successor starts the group's instances (the JSON key {@code upgrade})
   * @param source the group's JSON as configured (to tell whether a reload changed it)
   * @throws IllegalArgumentException if the stop ladder is empty or does not end with {@link PosixSignal#KILL}
   * @throws NullPointerException if {@code name}, {@code upgrade} or one of the collections is null
   */
  public ProcessGroupConfig {
    Objects.requireNonNull(name, "name");
    command = List.copyOf(command);
    env = Map.copyOf(env);
    stopLadder = List.copyOf(stopLadder);
    propagate = Set.copyOf(propagate);
    dependsOn = List.copyOf(dependsOn);
    Objects.requireNonNull(upgrade, "upgrade");
    if (stopLadder.isEmpty() || stopLadder.get(stopLadder.size() - 1).signal() != PosixSignal.KILL) {
      throw new IllegalArgumentException("a stop ladder ends with KILL");
    }
  }

  /**
   * The signal of the ladder's first step.
   *
   * @return the first signal a stop sends
   */
  public PosixSignal stopSignal() {
    return stopLadder.get(0).signal();
  }

  /**
   * The longest a stop can take along the ladder, KILL's wait included.
   *
   * @return the sum of the ladder's waits
   */
  public Duration worstCaseStop() {
    return stopLadder.stream().map(StopStep::timeout).reduce(Duration.ZERO, Duration::plus);
  }

  /**
   * One step of a stop ladder: send {@code signal} to the instance's process group, then wait up to {@code timeout} (the JSON key {@code wait}) for it to exit.
   *
   * @param signal the signal sent to the instance's process group
   * @param timeout how long to wait for it to exit
   */
  public record StopStep(PosixSignal signal, Duration timeout) {
    /**
     * Checks the components.
     *
     * @param signal the signal sent to the instance's process group
     * @param timeout how long to wait for it to exit
     * @throws NullPointerException if {@code signal} or {@code timeout} is null
     */
    public StopStep {
      Objects.requireNonNull(signal, "signal");
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /**
   * What a reload does: a rolling {@link Mode#RESTART} or a {@link Mode#SIGNAL} sent to every instance.
   *
   * @param mode restart or signal
   * @param signal the signal sent with {@link Mode#SIGNAL}; null with {@link Mode#RESTART}
   */
  public record Reload(Mode mode, PosixSignal signal) {

    /** The kind of reload. */
    public enum Mode {
      /** Rolling restart: each instance in turn is stopped and started again. */
      RESTART,
      /** {@code signal} is sent to every instance. */
      SIGNAL
    }

    /** A rolling restart (no signal). */
    public static final Reload RESTART = new Reload(Mode.RESTART, null);

    /** As the configuration writes it: {@code restart} or {@code signal:HUP}. */
    @Override
    public String toString() {
      return mode == Mode.RESTART ? "restart" : "signal:" + signal.name();
    }
  }

  /**
   * When the successor an {@code upgrade} started (docs/PRODUCTION.md) starts the group's instances.
   * Only the successor's own configuration counts; outside an upgrade both start at once.
   */
  public enum UpgradeMode {
    /** At its start, beside the predecessor's instances, which stop with the predecessor (the default). */
    OVERLAP,
    /**
     * Once the predecessor has stopped its instances of the group (it says so over the handover socket)
     * or has exited (then after the successor has killed what it left behind, found through the
     * state directory): for a child that holds a lock, or a port without {@code SO_REUSEPORT}. The
     * successor becomes ready without them; the group's status says what it waits for.
     */
    EXCLUSIVE;

    /**
     * The name in the configuration.
     *
     * @return {@code overlap} or {@code exclusive}
     */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** When an instance that exited on its own is started again. */
  public enum RestartPolicy {
    /** Never started again. */
    NEVER,
    /** Started again after a failure: an exit with a status other than success, a failed start or a readiness timeout. */
    ON_FAILURE,
    /** Started again however it exited. */
    ALWAYS;

    /**
     * The name in the configuration.
     *
     * @return {@code never}, {@code on-failure} or {@code always}
     */
    public String configName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * The restart policy and its bounds. The k-th restart of an instance within {@code window}
   * waits {@code min(max, initial * multiplier^(k-1))}, spread by {@code ±jitter} (a fraction) and
   * never more than {@code max}. When a group has restarted {@code maxRestarts} instances within
   * {@code window}, the next failure puts it in crash-loop: no more restarts until a reload or a
   * {@code start} command.
   *
   * @param policy when an instance is started again
   * @param initial the delay before the first restart within {@code window}
   * @param max the longest delay
   * @param multiplier how much each further delay grows
   * @param jitter the fraction by which each delay is spread
   * @param maxRestarts how many instances may restart within {@code window} before a crash loop
   * @param window the time over which restarts are counted
   */
  public record Restart(RestartPolicy policy, Duration initial, Duration max, double multiplier, double jitter,
      int maxRestarts, Duration window) {
  }

  /** How readiness is judged. */
  public enum ReadyKind {
    /** Ready as soon as it started. */
    NONE,
    /** Ready after a fixed delay. */
    DELAY,
    /** Ready when a line of its output matches a pattern. */
    LOG_LINE,
    /** Ready when a TCP port accepts a connection. */
    TCP_PORT,
    /** Ready when it sends {@code READY=1} to its {@code NOTIFY_SOCKET}. */
    NOTIFY
  }

  /**
   * When an instance is ready: at once ({@link ReadyKind#NONE}), after a {@code delay}, when a line
   * of its output matches {@code logLine}, when {@code host:tcpPort + instance} accepts a
   * connection, or when it sends {@code READY=1} to its {@code NOTIFY_SOCKET} ({@link ReadyKind#NOTIFY},
   * the JSON {@code "notify": true}). An instance that is not ready within {@code timeout} is stopped
   * and counts as failed.
   *
   * @param kind how readiness is judged
   * @param delay the delay of {@link ReadyKind#DELAY}
   * @param logLine the pattern of {@link ReadyKind#LOG_LINE}, or null
   * @param tcpPort the port of instance 0 for {@link ReadyKind#TCP_PORT}
   * @param host the host connected to for {@link ReadyKind#TCP_PORT}
   * @param timeout how long an instance has to become ready
   */
  public record Ready(ReadyKind kind, Duration delay, Pattern logLine, int tcpPort, String host, Duration timeout) {
    /** Ready at once (the default). */
    public static final Ready NONE = new Ready(ReadyKind.NONE, Duration.ZERO, null, 0, "127.0.0.1", Duration.ofSeconds(60));
  }

  /** What a health check probes; {@link #configName()} is the key that selects it in {@code health}. */
  public enum HealthKind {
    /** No health check. */
    NONE("none"),
    /** A TCP connection to the instance's port. */
    TCP_PORT("tcpPort"),
    /** An HTTP GET of the instance's URL. */
    HTTP_GET("httpGet"),
    /** A command that must exit 0. */
    COMMAND("command"),
    /** A {@code WATCHDOG=1} notification from the instance. */
    WATCHDOG("watchdog");

    private final String configName;

    HealthKind(String configName) {
      this.configName = configName;
    }

    /**
     * The key of the {@code health} section that selects this probe ({@code tcpPort}, …), also the {@code probe} of an {@code unhealthy} event.
     *
     * @return that key ({@code none} for {@link #NONE})
     */
    public String configName() {
      return configName;
    }
  }

  /**
   * How a ready instance is watched while it runs. Once it is ready (and {@code startPeriod} later),
   * a probe runs every {@code interval} (counted from the end of the one before), each bounded by
   * {@code timeout}: a TCP connection to {@code host:tcpPort + instance}, an HTTP GET of
   * {@code httpGet} (its port + instance; 2xx and 3xx are healthy), a {@code command} that exits 0,
   * or, for {@link HealthKind#WATCHDOG}, a {@code WATCHDOG=1} notification received within
   * {@code watchdog} of the instance becoming ready or of the one before. {@code failures} failed
   * probes in a row make the instance unhealthy: it is stopped along its ladder and the restart
   * policy applies, as to a failed exit.
   *
   * @param httpGet the URL of instance 0 (an {@code http} URL with an explicit or default port), or null
   * @param command the probe's program and arguments, or empty
   * @param watchdog the watchdog period, or zero
   * @param kind what is probed
   * @param tcpPort the port of instance 0 for {@link HealthKind#TCP_PORT}
   * @param host the host probed by TCP
   * @param interval the time from the end of one probe to the start of the next
   * @param failures how many failed probes in a row make the instance unhealthy
   * @param timeout the bound of each probe
   * @param startPeriod how long after readiness the first probe waits
   */
  public record Health(HealthKind kind, int tcpPort, String host, URI httpGet, List<String> command, Duration watchdog,
      Duration interval, int failures, Duration timeout, Duration startPeriod) {

    /** No health check (the default). */
    public static final Health NONE = new Health(HealthKind.NONE, 0, "127.0.0.1", null, List.of(), Duration.ZERO,
        Duration.ofSeconds(5), 3, Duration.ofSeconds(2), Duration.ZERO);

    /**
     * Copies {@code command} (unmodifiable).
     *
     * @param kind what is probed
     * @param tcpPort the port of instance 0 for {@link HealthKind#TCP_PORT}
     * @param host the host probed by TCP
     * @param httpGet the URL of instance 0 (an {@code http} URL with an explicit or default port), or null
     * @param command the probe's program and arguments, or empty
     * @param watchdog the watchdog period, or zero
     * @param interval the time from the end of one probe to the start of the next
     * @param failures how many failed probes in a row make the instance unhealthy
     * @param timeout the bound of each probe
     * @param startPeriod how long after readiness the first probe waits
     * @throws NullPointerException if {@code kind} or {@code command} is null
     */
    public Health {
      Objects.requireNonNull(kind, "kind");
      command = List.copyOf(command);
    }

    /**
     * The URL instance {@code instance} is probed at: {@code httpGet} with its port + {@code instance}.
     *
     * @param instance the instance's index, from 0
     * @return the URL to probe (port 80 + {@code instance} when {@code httpGet} names no port)
     */
    public URI httpGetOf(int instance) {
      int port = httpGet.getPort() < 0 ? 80 : httpGet.getPort();
      try {
        return new URI(httpGet.getScheme(), httpGet.getUserInfo(), httpGet.getHost(), port + instance,
            httpGet.getPath(), httpGet.getQuery(), null);
      } catch (URISyntaxException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Where a child's stdout and stderr go. */
  public enum Output {
    /** Each line to the logger {@code quiesce.process.<name>}, cut at {@code maxLineLength}. */
    LOG,
    /** Straight to the JVM's own stdout and stderr. */
    INHERIT,
    /** Nowhere. */
    DISCARD
  }
}
