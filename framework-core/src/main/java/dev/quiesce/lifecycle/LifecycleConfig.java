package dev.quiesce.lifecycle;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigReader;
import dev.quiesce.lifecycle.impl.LifecycleConfigParser;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The validated {@code lifecycle} section of the configuration.
 *
 * @param shutdownTimeout the overall deadline of a stop; no phase, undeploy or wait exceeds it
 * @param phases the stop phases, in order, each with its budget
 * @param reloadTimeout how long a reload waits for the participants to apply a new configuration
 * @param stepTimeout how long the {@code suspend} and {@code resume} steps wait for acknowledgements
 * @param signals what each OS signal does, in the order of the configuration: the defaults
 *     ({@code TERM} and {@code INT} to {@link SignalMapping#STOP}, {@code HUP} to
 *     {@link SignalMapping#RELOAD}) with the configured entries over them. Keys are
 *     {@link PosixSignal#CATCHABLE catchable} signals only. A signal mapped to
 *     {@link SignalMapping#DEFAULT}, or not in the map, keeps the JVM's own handling (unless a
 *     process group's {@code propagate} has it caught to pass it on)
 * @param reportFile where the stop report is written, if anywhere
 * @param startTimeout how long the launcher waits for the application to start before it gives up (exit 1)
 * @param signalDebounce a signal that comes less than this after the previous one of the same name is
 *     a duplicate and ignored (a signal storm, or a supervisor that signals both the group and the
 *     main pid, is one trigger, not an escalation); zero counts every signal
 * @param watchConfig whether a change of the configuration file triggers a reload (the launcher watches
 *     the file's directory, so a Kubernetes ConfigMap's symlink swap is seen too); an invalid new file
 *     keeps the running configuration, as any failed reload does
 * @param watchConfigDebounce how long the file must stay unchanged after a change before the reload
 *     begins (a burst of writes is one reload); a stream of changes reloads at the latest ten times this
 *     after its first change
 */
public record LifecycleConfig(Duration shutdownTimeout, List<PhaseSpec> phases, Duration reloadTimeout,
    Duration stepTimeout, Map<PosixSignal, SignalMapping> signals, Optional<String> reportFile,
    Duration startTimeout, Duration signalDebounce, boolean watchConfig, Duration watchConfigDebounce) {

  /** The section's key. */
  public static final String SECTION = "lifecycle";

  /**
   * Copies {@code phases} and {@code signals} (unmodifiable; the signals keep their order).
   *
   * @param shutdownTimeout the overall deadline of a stop
   * @param phases the stop phases, in order, each with its budget
   * @param reloadTimeout how long a reload waits for the participants to apply a new configuration
   * @param stepTimeout how long the {@code suspend} and {@code resume} steps wait for acknowledgements
   * @param signals what each OS signal does, in the order of the configuration: the defaults ({@code TERM} and
   *     {@code INT} to {@link SignalMapping#STOP}, {@code HUP} to {@link SignalMapping#RELOAD}) with the configured
   *     entries over them
   * @param reportFile where the stop report is written, if anywhere
   * @param startTimeout how long the launcher waits for the application to start before it gives up (exit 1)
   * @param signalDebounce a signal that comes less than this after the previous one of the same name is a
   *     duplicate and ignored (a signal storm, or a supervisor that signals both the group and the main pid, is one
   *     trigger, not an escalation)
   * @param watchConfig whether a change of the configuration file triggers a reload (the launcher watches the
   *     file's directory, so a Kubernetes ConfigMap's symlink swap is seen too)
   * @param watchConfigDebounce how long the file must stay unchanged after a change before the reload begins (a
   *     burst of writes is one reload)
   */
  public LifecycleConfig {
    phases = List.copyOf(phases);
    signals = Collections.unmodifiableMap(new LinkedHashMap<>(signals));
  }

  /**
   * Reads and validates the {@code lifecycle} section of a whole configuration; missing keys
   * take their defaults.
   *
   * @param root the whole configuration
   * @return the section, valid
   * @throws ConfigException naming the JSON path and rule of every problem
   */
  public static LifecycleConfig from(JsonObject root) {
    return ConfigReader.readAll(root, LifecycleConfigParser::parse);
  }

  /**
   * The defaults alone.
   *
   * @return the section of an empty configuration
   */
  public static LifecycleConfig defaults() {
    return from(new JsonObject());
  }

  /**
   * The defaults as JSON: {@code {"lifecycle": {...}}}.
   *
   * @return a new object holding the section
   */
  public static JsonObject defaultsJson() {
    return LifecycleConfigParser.defaultsJson();
  }

  /**
   * The sum of all phase budgets: what a stop would take if every phase used all of its budget.
   *
   * @return the sum
   */
  public Duration worstCase() {
    return phases.stream().map(PhaseSpec::timeout).reduce(Duration.ZERO, Duration::plus);
  }
}
