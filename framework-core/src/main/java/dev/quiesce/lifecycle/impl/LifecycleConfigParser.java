package dev.quiesce.lifecycle.impl;

import dev.quiesce.config.ConfigLoader;
import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.Durations;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.PhaseSpec;
import dev.quiesce.lifecycle.SignalMapping;
import dev.quiesce.lifecycle.Steps;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads the {@code lifecycle} section; every rule it checks is stated in its error messages. */
public final class LifecycleConfigParser {

  static final List<String> KEYS = ConfigReader.keys("shutdownTimeout", "phases", "reloadTimeout", "stepTimeout",
      "signals", "signalDebounce", "reportFile", "startTimeout", "watchConfig", "watchConfigDebounce");
  private static final Pattern PHASE_NAME = Pattern.compile("[a-z][a-zA-Z0-9-]{0,39}");
  private static final Duration MAX_DEADLINE = Duration.ofHours(24);

  // Each default is written once, here; the defaults' JSON and the reader both use it.
  /** Room for the default phases' budgets (0 s + 20 s + 10 s + 5 s): the default plan fits its deadline. */
  static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(35);
  static final List<PhaseSpec> PHASES = List.of(new PhaseSpec(Steps.ANNOUNCE, Duration.ZERO),
      new PhaseSpec(Steps.DRAIN, Duration.ofSeconds(20)), new PhaseSpec(Steps.TERMINATE, Duration.ofSeconds(10)),
      new PhaseSpec(Steps.CLOSE, Duration.ofSeconds(5)));
  static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);
  static final Duration STEP_TIMEOUT = Duration.ofSeconds(5);
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  static final Duration SIGNAL_DEBOUNCE = Duration.ofMillis(500);
  static final Map<PosixSignal, SignalMapping> SIGNALS = defaultSignals();
  static final boolean WATCH_CONFIG = false;
  /** Long enough for an editor's save or a ConfigMap's symlink swap to settle, short enough to feel immediate. */
  static final Duration WATCH_CONFIG_DEBOUNCE = Duration.ofSeconds(1);

  private LifecycleConfigParser() {
  }

  public static JsonObject defaultsJson() {
    JsonArray phases = new JsonArray();
    PHASES.forEach(p -> phases.add(new JsonObject().put("name", p.name()).put("timeout", Durations.format(p.timeout()))));
    JsonObject signals = new JsonObject();
    SIGNALS.forEach((signal, mapping) -> signals.put(signal.name(), mapping.wireName()));
    return new JsonObject().put(LifecycleConfig.SECTION, new JsonObject()
        .put("shutdownTimeout", Durations.format(SHUTDOWN_TIMEOUT))
        .put("phases", phases)
        .put("reloadTimeout", Durations.format(RELOAD_TIMEOUT))
        .put("stepTimeout", Durations.format(STEP_TIMEOUT))
        .put("startTimeout", Durations.format(START_TIMEOUT))
        .put("signalDebounce", Durations.format(SIGNAL_DEBOUNCE))
        .putNull("reportFile")
        .put("watchConfig", WATCH_CONFIG)
        .put("watchConfigDebounce", Durations.format(WATCH_CONFIG_DEBOUNCE))
        .put("signals", signals));
  }

  private static Map<PosixSignal, SignalMapping> defaultSignals() {
    Map<PosixSignal, SignalMapping> out = new LinkedHashMap<>();
    out.put(PosixSignal.TERM, SignalMapping.STOP);
    out.put(PosixSignal.INT, SignalMapping.STOP);
    out.put(PosixSignal.HUP, SignalMapping.RELOAD);
    return Collections.unmodifiableMap(out);
  }

  /** Reads the section of {@code root} over the defaults; problems go to {@code root}. */
  public static LifecycleConfig parse(ConfigReader root) {
    JsonObject merged = defaultsJson().getJsonObject(LifecycleConfig.SECTION);
    Object given = root.json().getValue(LifecycleConfig.SECTION);
    ConfigReader section = root.object(LifecycleConfig.SECTION);
    if (given instanceof JsonObject g) {
      ConfigLoader.deepMerge(merged, g);
    }
    ConfigReader r = ConfigReader.at(section.path(), merged);
    r.allowOnly(KEYS);
    Duration shutdownTimeout = r.duration("shutdownTimeout", SHUTDOWN_TIMEOUT, Duration.ofMillis(1),
        MAX_DEADLINE);
    List<PhaseSpec> phases = phases(r);
    Duration reloadTimeout = r.duration("reloadTimeout", RELOAD_TIMEOUT, Duration.ofMillis(1), MAX_DEADLINE);
    Duration stepTimeout = r.duration("stepTimeout", STEP_TIMEOUT, Duration.ofMillis(1), MAX_DEADLINE);
    Duration startTimeout = r.duration("startTimeout", START_TIMEOUT, Duration.ofMillis(1), MAX_DEADLINE);
    Duration signalDebounce = r.duration("signalDebounce", SIGNAL_DEBOUNCE, Duration.ZERO, Duration.ofMinutes(1));
    Map<PosixSignal, SignalMapping> signals = signals(r);
    boolean watchConfig = r.bool("watchConfig", WATCH_CONFIG);
    Duration watchConfigDebounce = r.duration("watchConfigDebounce", WATCH_CONFIG_DEBOUNCE, Duration.ZERO,
        Duration.ofMinutes(1));
    String reportFile = r.string("reportFile", null);
    if (reportFile != null && reportFile.isBlank()) {
      r.problem("reportFile", "must not be empty; leave it out to write no report file");
      reportFile = null;
    }
    root.addProblems(r.problems());
    return new LifecycleConfig(shutdownTimeout, phases, reloadTimeout, stepTimeout, signals,
        Optional.ofNullable(reportFile), startTimeout, signalDebounce, watchConfig, watchConfigDebounce);
  }

  private static List<PhaseSpec> phases(ConfigReader r) {
    List<PhaseSpec> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    List<ConfigReader> items = r.objects("phases");
    if (items.isEmpty() && r.json().getValue("phases") instanceof JsonArray) {
      r.problem("phases", "must name at least one phase");
    }
    for (ConfigReader p : items) {
      p.allowOnly(ConfigReader.keys("name", "timeout"));
      String name = p.requiredString("name");
      Duration timeout = p.duration("timeout", null, Duration.ZERO, MAX_DEADLINE);
      if (!p.has("timeout")) {
        p.problem("timeout", "is required");
      }
      if (name == null || timeout == null) {
        continue;
      }
      if (!PHASE_NAME.matcher(name).matches()) {
        p.problem("name", "\"" + name + "\" is not a phase name; use a lower-case letter then letters, digits"
            + " or '-' (at most 40)");
      } else if (Steps.RESERVED.contains(name)) {
        p.problem("name", "\"" + name + "\" is reserved for the " + name + " command; choose another name");
      } else if (!seen.add(name)) {
        p.problem("name", "\"" + name + "\" is used by an earlier phase; phase names must be unique");
      } else {
        out.add(new PhaseSpec(name, timeout));
      }
    }
    return out;
  }

  /**
   * {@code lifecycle.signals}: each key read with {@link PosixSignal#parseCatchable}, each value with
   * {@link SignalMapping#fromWire}; a later spelling of the same signal ({@code "SIGTERM"} after the
   * default {@code "TERM"}) replaces the earlier one.
   */
  private static Map<PosixSignal, SignalMapping> signals(ConfigReader r) {
    Map<PosixSignal, SignalMapping> out = new LinkedHashMap<>();
    Map<String, String> raw = r.stringMap("signals");
    ConfigReader at = r.object("signals");
    raw.forEach((signal, action) -> {
      try {
        PosixSignal caught = PosixSignal.parseCatchable(signal);
        SignalMapping.fromWire(action).ifPresentOrElse(mapping -> out.put(caught, mapping),
            () -> at.problem(signal, "\"" + action + "\" is not an action; use one of " + SignalMapping.wireNames()));
      } catch (IllegalArgumentException e) {
        at.problem(signal, e.getMessage());
      }
    });
    return out;
  }
}
