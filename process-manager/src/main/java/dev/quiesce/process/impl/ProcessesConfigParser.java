package dev.quiesce.process.impl;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.Durations;
import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessGroupConfig.Health;
import dev.quiesce.process.ProcessGroupConfig.HealthKind;
import dev.quiesce.process.ProcessGroupConfig.Output;
import dev.quiesce.process.ProcessGroupConfig.Ready;
import dev.quiesce.process.ProcessGroupConfig.ReadyKind;
import dev.quiesce.process.ProcessGroupConfig.Reload;
import dev.quiesce.process.ProcessGroupConfig.Restart;
import dev.quiesce.process.ProcessGroupConfig.RestartPolicy;
import dev.quiesce.process.ProcessGroupConfig.StopStep;
import dev.quiesce.process.ProcessGroupConfig.UpgradeMode;
import dev.quiesce.process.ProcessesConfig;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/** Reads the {@code processes} section; every problem is recorded with its JSON path. */
public final class ProcessesConfigParser {

  static final List<String> GROUP_KEYS = ConfigReader.keys("name", "command", "cwd", "env", "inheritEnv",
      "instances", "stopSignal", "stopTimeout", "stopLadder", "propagate", "reload", "restart", "ready", "output",
      "maxLineLength", "outputEvents", "dependsOn", "health", "upgrade");
  static final List<String> UPGRADE_MODES = Arrays.stream(UpgradeMode.values()).map(UpgradeMode::configName).toList();
  static final List<String> STEP_KEYS = ConfigReader.keys("signal", "wait");
  static final List<String> RESTART_KEYS = ConfigReader.keys("policy", "initial", "max", "multiplier", "jitter",
      "maxRestarts", "window");
  static final List<String> READY_KEYS = ConfigReader.keys("delay", "logLine", "tcpPort", "notify", "host",
      "timeout");
  static final List<String> HEALTH_KEYS = ConfigReader.keys("tcpPort", "host", "httpGet", "command", "watchdog",
      "interval", "failures", "timeout", "startPeriod");
  private static final List<HealthKind> HEALTH_PROBES =
      List.of(HealthKind.TCP_PORT, HealthKind.HTTP_GET, HealthKind.COMMAND, HealthKind.WATCHDOG);
  private static final Duration MIN_HEALTH_INTERVAL = Duration.ofMillis(10);

  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);
  public static final Restart DEFAULT_RESTART = new Restart(RestartPolicy.ON_FAILURE, Duration.ofSeconds(1),
      Duration.ofSeconds(30), 2.0, 0.2, 5, Duration.ofSeconds(60));
  public static final int DEFAULT_MAX_LINE_LENGTH = 8192;
  public static final int DEFAULT_OUTPUT_EVENTS = 20;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Duration HOUR = Duration.ofHours(1);
  private static final Duration DAY = Duration.ofDays(1);
  private static final List<String> POLICIES =
      Arrays.stream(RestartPolicy.values()).map(RestartPolicy::configName).toList();
  private static final List<String> OUTPUTS =
      Arrays.stream(Output.values()).map(o -> o.name().toLowerCase(Locale.ROOT)).toList();

  private ProcessesConfigParser() {
  }

  /** The groups of {@code root}'s {@code processes}; groups with a problem are left out. */
  public static List<ProcessGroupConfig> parse(ConfigReader root) {
    List<ProcessGroupConfig> out = new ArrayList<>();
    Map<String, String> names = new LinkedHashMap<>();
    Map<String, ConfigReader> readers = new LinkedHashMap<>();
    Map<String, List<String>> dependsOn = new LinkedHashMap<>();
    for (ConfigReader g : root.objects(ProcessesConfig.SECTION)) {
      int before = root.problems().size();
      ProcessGroupConfig group = group(g, names);
      if (group != null && g.path().equals(names.get(group.name()))) {
        readers.put(group.name(), g);
        dependsOn.put(group.name(), listedDependencies(g));
      }
      if (group != null && root.problems().size() == before) {
        out.add(group);
      }
    }
    checkDependencies(names.keySet(), readers, dependsOn);
    return out;
  }

  /**
   * The entries of {@code g}'s {@code dependsOn} at their indices in the configuration, an entry that
   * is not a string as {@code null} (reported as such by {@link ConfigReader#strings}); empty when it
   * is absent or not an array.
   */
  private static List<String> listedDependencies(ConfigReader g) {
    Object v = g.json().getValue("dependsOn");
    List<?> entries = v instanceof JsonArray a ? a.getList() : v instanceof List<?> l ? l : List.of();
    List<String> out = new ArrayList<>();
    entries.forEach(e -> out.add(e instanceof String s ? s : null));
    return out;
  }

  /**
   * Each {@code dependsOn} entry names another group, once; no cycle. Entries are reported at their
   * index in the configuration ({@code null}s, entries that are not strings, are reported elsewhere). A cycle is reported at the
   * entry that closes it, with the names along it ({@code web → cache → web}).
   */
  private static void checkDependencies(Set<String> groupNames, Map<String, ConfigReader> readers,
      Map<String, List<String>> dependsOn) {
    dependsOn.forEach((name, deps) -> {
      ConfigReader g = readers.get(name);
      for (int i = 0; i < deps.size(); i++) {
        String dep = deps.get(i);
        String key = "dependsOn[" + i + "]";
        if (dep == null) {
          continue;
        }
        if (!groupNames.contains(dep)) {
          g.problem(key, ConfigReader.describe(dep) + " is not the name of a group; groups are " + groupNames);
        } else if (deps.indexOf(dep) < i) {
          g.problem(key, ConfigReader.describe(dep) + " is already listed at dependsOn[" + deps.indexOf(dep) + "]");
        }
      }
    });
    for (DependencyGraph.Cycle c : new DependencyGraph(dependsOn).cycles()) {
      readers.get(c.group()).problem("dependsOn[" + c.index() + "]", ConfigReader.describe(c.names().get(1))
          + " closes a cycle: " + c.path() + "; a group cannot start after (and stop before) itself");
    }
  }

  private static ProcessGroupConfig group(ConfigReader g, Map<String, String> names) {
    g.allowOnly(GROUP_KEYS);
    String name = g.requiredString("name");
    if (name != null && !name.isBlank()) {
      if (!NAME.matcher(name).matches()) {
        g.problem("name", ConfigReader.describe(name) + " is not a valid group name; use letters, digits, '_', '.'"
            + " and '-', starting with a letter or digit, at most 64 characters");
      } else if (names.containsKey(name)) {
        g.problem("name", ConfigReader.describe(name) + " is already the name of " + names.get(name)
            + "; group names must be unique");
      } else {
        names.put(name, g.path());
      }
    }
    List<String> command = command(g);
    Optional<String> cwd = Optional.ofNullable(g.string("cwd", null));
    if (cwd.isPresent() && cwd.get().isBlank()) {
      g.problem("cwd", "must not be empty");
    }
    Map<String, String> env = g.stringMap("env");
    for (String key : env.keySet()) {
      if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0) {
        g.problem("env", ConfigReader.describe(key) + " is not a valid variable name (empty, or has '=' or NUL)");
      }
    }
    boolean inheritEnv = g.bool("inheritEnv", true);
    int instances = g.integer("instances", 1, 0, 1000);
    List<StopStep> ladder = ladder(g);
    Set<PosixSignal> propagate = propagate(g);
    Reload reload = reload(g);
    Restart restart = restart(g);
    Output output = Output.valueOf(g.choice("output", "log", OUTPUTS).toUpperCase(Locale.ROOT));
    Ready ready = ready(g, instances, output);
    int maxLineLength = g.integer("maxLineLength", DEFAULT_MAX_LINE_LENGTH, 256, 1 << 20);
    int outputEvents = g.integer("outputEvents", DEFAULT_OUTPUT_EVENTS, 0, 10_000);
    List<String> dependsOn = g.strings("dependsOn", List.of());
    Health health = health(g, instances);
    UpgradeMode upgrade = UpgradeMode.valueOf(g.choice("upgrade", UpgradeMode.OVERLAP.configName(), UPGRADE_MODES)
        .toUpperCase(Locale.ROOT));
    if (name == null || command.isEmpty()) {
      return null;
    }
    return new ProcessGroupConfig(name, command, cwd, env, inheritEnv, instances, ladder, propagate, reload, restart,
        ready, output, maxLineLength, outputEvents, dependsOn, health, upgrade, g.json().copy());
  }

  /** The program and arguments at {@code command} of {@code g} (a group, or its {@code health}); empty on a problem. */
  private static List<String> command(ConfigReader g) {
    if (!g.has("command")) {
      g.problem("command", "is required: the program and its arguments, e.g. [\"/usr/bin/worker\", \"--queue\", \"a\"]");
      return List.of();
    }
    if (g.json().getValue("command") instanceof String s) {
      g.problem("command", ConfigReader.describe(s) + " is a string; write an array of the program and its"
          + " arguments (no shell is used unless you name one, e.g. [\"sh\", \"-c\", \"…\"])");
      return List.of();
    }
    List<String> command = g.strings("command", List.of());
    if (command.isEmpty()) {
      g.problem("command", "must name at least the program");
    } else if (command.get(0).isBlank()) {
      g.problem("command[0]", "must name the program");
    }
    for (int i = 0; i < command.size(); i++) {
      if (command.get(i).indexOf('\0') >= 0) {
        g.problem("command[" + i + "]", "must not contain a NUL character");
      }
    }
    return command;
  }

  private static List<StopStep> ladder(ConfigReader g) {
    List<StopStep> ladder = new ArrayList<>();
    if (g.has("stopLadder")) {
      if (g.has("stopSignal") || g.has("stopTimeout")) {
        g.problem("stopLadder", "give either stopLadder or stopSignal/stopTimeout, not both");
      }
      List<ConfigReader> steps = g.objects("stopLadder");
      if (steps.isEmpty() && g.json().getValue("stopLadder") instanceof Iterable<?> it && !it.iterator().hasNext()) {
        g.problem("stopLadder", "must have at least one step, e.g. [{\"signal\":\"TERM\",\"wait\":\"10s\"}]");
      }
      for (int i = 0; i < steps.size(); i++) {
        ConfigReader step = steps.get(i);
        step.allowOnly(STEP_KEYS);
        if (!step.has("signal")) {
          step.problem("signal", "is required");
          continue;
        }
        PosixSignal signal = stopSignal(step, "signal", null);
        if (signal == null) {
          continue;
        }
        if (signal == PosixSignal.KILL) {
          if (i != steps.size() - 1) {
            step.problem("signal", "KILL must be the last step: nothing can follow it");
          }
          ladder.add(new StopStep(signal, step.duration("wait", ProcessGroupConfig.KILL_WAIT, Duration.ZERO, HOUR)));
        } else {
          if (!step.has("wait")) {
            step.problem("wait", "is required: how long to wait for the exit before the next step");
          }
          ladder.add(new StopStep(signal, step.duration("wait", Duration.ZERO, Duration.ZERO, HOUR)));
        }
      }
    } else {
      PosixSignal signal = stopSignal(g, "stopSignal", PosixSignal.TERM);
      Duration timeout = g.duration("stopTimeout", DEFAULT_STOP_TIMEOUT, Duration.ZERO, HOUR);
      if (signal != null && signal != PosixSignal.KILL) {
        ladder.add(new StopStep(signal, timeout));
      }
    }
    if (ladder.isEmpty() || ladder.get(ladder.size() - 1).signal() != PosixSignal.KILL) {
      ladder.add(new StopStep(PosixSignal.KILL, ProcessGroupConfig.KILL_WAIT));
    }
    return ladder;
  }

  private static PosixSignal stopSignal(ConfigReader r, String key, PosixSignal def) {
    PosixSignal signal = signal(r, key, def);
    if (signal != null && signal.suspendsOrResumes()) {
      r.problem(key, "\"" + signal.name() + "\" cannot stop a process (it suspends or resumes it)");
      return def;
    }
    return signal;
  }

  /** A signal name at {@code key}, or {@code def}; a problem when it is not a signal name. */
  static PosixSignal signal(ConfigReader r, String key, PosixSignal def) {
    Object v = r.json().getValue(key);
    String name = r.string(key, null);
    if (name == null) {
      return v == null ? def : null;
    }
    try {
      return PosixSignal.parse(name);
    } catch (IllegalArgumentException e) {
      r.problem(key, ConfigReader.describe(name) + " " + e.getMessage());
      return null;
    }
  }

  private static Set<PosixSignal> propagate(ConfigReader g) {
    Set<PosixSignal> out = EnumSet.noneOf(PosixSignal.class);
    List<String> names = g.strings("propagate", List.of());
    for (int i = 0; i < names.size(); i++) {
      String key = "propagate[" + i + "]";
      try {
        PosixSignal s = PosixSignal.parse(names.get(i));
        if (PosixSignal.CATCHABLE.contains(s)) {
          out.add(s);
        } else {
          g.problem(key, "\"" + s.name() + "\" cannot be propagated: the JVM can catch only "
              + PosixSignal.CATCHABLE.stream().map(Enum::name).collect(Collectors.joining(", ")));
        }
      } catch (IllegalArgumentException e) {
        g.problem(key, ConfigReader.describe(names.get(i)) + " " + e.getMessage());
      }
    }
    return out;
  }

  private static Reload reload(ConfigReader g) {
    String text = g.string("reload", "restart");
    if (text == null || text.equals("restart")) {
      return Reload.RESTART;
    }
    if (text.startsWith("signal:")) {
      try {
        PosixSignal s = PosixSignal.parse(text.substring("signal:".length()));
        if (s == PosixSignal.KILL || s.suspendsOrResumes()) {
          g.problem("reload", ConfigReader.describe(text) + ": " + s.name() + " cannot ask a process to reload");
          return Reload.RESTART;
        }
        return new Reload(Reload.Mode.SIGNAL, s);
      } catch (IllegalArgumentException e) {
        g.problem("reload", ConfigReader.describe(text) + ": the signal " + e.getMessage());
        return Reload.RESTART;
      }
    }
    g.problem("reload", ConfigReader.describe(text) + " is not \"restart\" or \"signal:<NAME>\" (e.g. \"signal:HUP\")");
    return Reload.RESTART;
  }

  private static Restart restart(ConfigReader g) {
    Object v = g.json().getValue("restart");
    if (v == null) {
      return DEFAULT_RESTART;
    }
    Restart d = DEFAULT_RESTART;
    if (v instanceof String) {
      String policy = g.choice("restart", d.policy().configName(), POLICIES);
      return new Restart(policyOf(policy), d.initial(), d.max(), d.multiplier(), d.jitter(), d.maxRestarts(),
          d.window());
    }
    if (!(v instanceof JsonObject) && !(v instanceof Map)) {
      g.problem("restart", ConfigReader.describe(v) + " is neither a policy (" + String.join(", ", POLICIES)
          + ") nor an object");
      return d;
    }
    ConfigReader r = g.object("restart");
    r.allowOnly(RESTART_KEYS);
    RestartPolicy policy = policyOf(r.choice("policy", d.policy().configName(), POLICIES));
    Duration initial = r.duration("initial", d.initial(), Duration.ZERO, HOUR);
    Duration max = r.duration("max", d.max(), Duration.ZERO, DAY);
    if (max.compareTo(initial) < 0) {
      r.problem("max", Durations.format(max) + " is shorter than initial (" + Durations.format(initial) + ")");
    }
    double multiplier = r.number("multiplier", d.multiplier(), 1.0, 100.0);
    double jitter = r.number("jitter", d.jitter(), 0.0, 1.0);
    int maxRestarts = r.integer("maxRestarts", d.maxRestarts(), 0, 1_000_000);
    Duration window = r.duration("window", d.window(), Duration.ofSeconds(1), DAY);
    return new Restart(policy, initial, max, multiplier, jitter, maxRestarts, window);
  }

  private static RestartPolicy policyOf(String name) {
    return RestartPolicy.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  private static Ready ready(ConfigReader g, int instances, Output output) {
    if (!g.has("ready")) {
      return Ready.NONE;
    }
    ConfigReader r = g.object("ready");
    r.allowOnly(READY_KEYS);
    List<String> kinds = new ArrayList<>();
    for (String k : List.of("delay", "logLine", "tcpPort")) {
      if (r.has(k)) {
        kinds.add(k);
      }
    }
    if (kinds.size() > 1) {
      r.problem(null, "give only one of delay, logLine and tcpPort (found " + String.join(", ", kinds) + ")");
    }
    if (r.has("notify") && !kinds.isEmpty()) {
      r.problem("notify", "is a readiness check of its own: give it without " + String.join(", ", kinds));
    }
    Duration timeout = r.duration("timeout", Ready.NONE.timeout(), Duration.ofMillis(1), HOUR);
    String host = r.host("host", "127.0.0.1");
    if (r.has("host") && !r.has("tcpPort")) {
      r.problem("host", "is used only with tcpPort");
    }
    if (r.has("tcpPort")) {
      int port = instancePort(r, instances);
      return new Ready(ReadyKind.TCP_PORT, Duration.ZERO, null, port, host, timeout);
    }
    if (r.has("logLine")) {
      String regex = r.string("logLine", null);
      Pattern pattern = null;
      if (regex != null) {
        try {
          pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
          r.problem("logLine", ConfigReader.describe(regex) + " is not a valid regular expression: "
              + e.getDescription());
        }
      }
      if (output != Output.LOG) {
        r.problem("logLine", "needs the group's output to be \"log\" (it is read from the child's output)");
      }
      return new Ready(ReadyKind.LOG_LINE, Duration.ZERO, pattern, 0, host, timeout);
    }
    if (r.has("notify")) {
      if (!r.bool("notify", true)) {
        r.problem("notify", "false is not a readiness check; write true (ready on READY=1 to NOTIFY_SOCKET) or"
            + " leave the key out");
      }
      return new Ready(ReadyKind.NOTIFY, Duration.ZERO, null, 0, host, timeout);
    }
    if (r.has("delay")) {
      return new Ready(ReadyKind.DELAY, r.duration("delay", Duration.ZERO, Duration.ZERO, HOUR), null, 0, host,
          timeout);
    }
    return new Ready(ReadyKind.NONE, Duration.ZERO, null, 0, host, timeout);
  }

  /** {@code tcpPort} of {@code r}: a port, with room for one per instance (instance i uses tcpPort + i); 0 on a problem. */
  private static int instancePort(ConfigReader r, int instances) {
    int port = r.integer("tcpPort", 0, 1, 65535);
    if (port > 0 && port + Math.max(0, instances - 1) > 65535) {
      r.problem("tcpPort", port + " leaves no port for the last instance (instance i uses tcpPort + i)");
      return 0;
    }
    return port;
  }

  /**
   * The {@code health} section: exactly one probe ({@code tcpPort}, {@code httpGet}, {@code command} or
   * {@code watchdog}) and its timing. A watchdog is checked every half period by default, and one miss
   * is enough ({@code failures} 1); it has no {@code timeout} (nothing is asked of the child).
   */
  private static Health health(ConfigReader g, int instances) {
    if (!g.has("health")) {
      return Health.NONE;
    }
    boolean isObject = g.json().getValue("health") instanceof JsonObject || g.json().getValue("health") instanceof Map;
    ConfigReader r = g.object("health");
    if (!isObject) {
      return Health.NONE; // the reader said what it is
    }
    r.allowOnly(HEALTH_KEYS);
    List<HealthKind> kinds = HEALTH_PROBES.stream().filter(k -> r.has(k.configName())).toList();
    String probes = HEALTH_PROBES.stream().map(HealthKind::configName).collect(Collectors.joining(", "));
    if (kinds.isEmpty()) {
      r.problem(null, "needs one probe: one of " + probes);
      return Health.NONE;
    }
    if (kinds.size() > 1) {
      r.problem(null, "give only one of " + probes + " (found "
          + kinds.stream().map(HealthKind::configName).collect(Collectors.joining(", ")) + ")");
    }
    HealthKind kind = kinds.get(0);
    if (r.has("host") && kind != HealthKind.TCP_PORT) {
      r.problem("host", "is used only with tcpPort");
    }
    String host = r.host("host", Health.NONE.host());
    int port = kind == HealthKind.TCP_PORT ? instancePort(r, instances) : 0;
    URI url = kind == HealthKind.HTTP_GET ? httpGet(r, instances) : null;
    List<String> command = kind == HealthKind.COMMAND ? command(r) : List.of();
    Duration watchdog = Duration.ZERO;
    Duration interval = Health.NONE.interval();
    int failures = Health.NONE.failures();
    if (kind == HealthKind.WATCHDOG) {
      watchdog = r.duration("watchdog", Duration.ofSeconds(1), MIN_HEALTH_INTERVAL, HOUR);
      interval = max(MIN_HEALTH_INTERVAL, watchdog.dividedBy(2));
      failures = 1;
      if (r.has("timeout")) {
        r.problem("timeout", "is not used with watchdog (the child is not asked anything; it sends WATCHDOG=1)");
      }
    }
    interval = r.duration("interval", interval, MIN_HEALTH_INTERVAL, HOUR);
    failures = r.integer("failures", failures, 1, 1000);
    Duration timeout = r.duration("timeout", Health.NONE.timeout(), Duration.ofMillis(1), HOUR);
    Duration startPeriod = r.duration("startPeriod", Duration.ZERO, Duration.ZERO, HOUR);
    return new Health(kind, port, host, url, command, watchdog, interval, failures, timeout, startPeriod);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** {@code httpGet} of {@code r}: an {@code http://host[:port]/path} URL with room for one port per instance; null on a problem. */
  private static URI httpGet(ConfigReader r, int instances) {
    String text = r.string("httpGet", null);
    if (text == null) {
      return null;
    }
    URI url;
    try {
      url = new URI(text);
    } catch (URISyntaxException e) {
      r.problem("httpGet", ConfigReader.describe(text) + " is not a URL: " + e.getReason());
      return null;
    }
    if (!"http".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
      r.problem("httpGet", ConfigReader.describe(text) + " is not an http:// URL with a host, e.g."
          + " \"http://127.0.0.1:8080/health\" (https is not supported)");
      return null;
    }
    if (url.getFragment() != null) {
      r.problem("httpGet", ConfigReader.describe(text) + " has a fragment (#…); a request cannot send one");
      return null;
    }
    int port = url.getPort() < 0 ? 80 : url.getPort();
    if (port + Math.max(0, instances - 1) > 65535) {
      r.problem("httpGet", port + " leaves no port for the last instance (instance i uses the URL's port + i)");
      return null;
    }
    return url;
  }
}
