package dev.quiesce.process;

import dev.quiesce.signal.PosixSignal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ProcessManagerVerticle} runs, beyond the {@code processes} configuration (which is
 * a list, so it has no room for settings of the manager itself).
 *
 * <ul>
 *   <li>{@code stateDir}: where started children are recorded, so that a later run can sweep the
 *   leftovers of a crashed one. Default: the system property {@value #STATE_DIR_PROPERTY}, else
 *   {@code ${java.io.tmpdir}/quiesce-processes-${user.name}}. Several applications may share it:
 *   each JVM writes its own file and only files of JVMs that no longer run are swept.</li>
 *   <li>{@code lifecycleParticipant} (true): register with the lifecycle coordinator as
 *   {@code participantName} ("processes") for the stop phase {@code phase} ("terminate") and for
 *   reloads. Without it the manager stops its children when it is undeployed.</li>
 *   <li>{@code guardian} (true): keep a small watchdog process that kills the children's process
 *   groups, grandchildren included, if the JVM dies without stopping them.</li>
 *   <li>{@code parentDeathSignal} (KILL): what the kernel sends a child when the JVM dies.</li>
 *   <li>{@code descendantScanInterval} (1 s): how often the descendants of running children are looked
 *   for in /proc, so that one that leaves its child's process group ({@code setsid}) can still be
 *   reported and killed when the child stops. While it keeps up, a stop ladder's first signal does not
 *   wait for a scan of its own. Zero: only just before a stop ladder's first signal (which then waits
 *   for it) and after a child exits (cheaper, but a descendant that escapes and whose parent exits in
 *   between is not found).</li>
 * </ul>
 */
public final class ProcessManagerOptions {

  /** The system property that sets the default {@code stateDir}. */
  public static final String STATE_DIR_PROPERTY = "quiesce.process.stateDir";

  private Path stateDir;
  private boolean lifecycleParticipant = true;
  private String participantName = "processes";
  private String phase = "terminate";
  private boolean guardian = true;
  private PosixSignal parentDeathSignal = PosixSignal.KILL;
  private Duration descendantScanInterval = Duration.ofSeconds(1);

  /** The defaults listed above; {@code stateDir} is read from {@value #STATE_DIR_PROPERTY} now. */
  public ProcessManagerOptions() {
    String prop = System.getProperty(STATE_DIR_PROPERTY);
    stateDir = prop != null && !prop.isBlank() ? Path.of(prop)
        : Path.of(System.getProperty("java.io.tmpdir"), "quiesce-processes-" + System.getProperty("user.name", "user"));
  }

  /**
   * The directory where started children are recorded.
   *
   * @return the state directory
   */
  public Path getStateDir() {
    return stateDir;
  }

  /**
   * Sets the directory where started children are recorded.
   *
   * @param stateDir where started children are recorded
   * @return these options
   * @throws NullPointerException if {@code stateDir} is null
   */
  public ProcessManagerOptions setStateDir(Path stateDir) {
    this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
    return this;
  }

  /**
   * Whether the manager registers with the lifecycle coordinator.
   *
   * @return true when it does (the default)
   */
  public boolean isLifecycleParticipant() {
    return lifecycleParticipant;
  }

  /**
   * Sets whether the manager registers with the lifecycle coordinator.
   *
   * @param lifecycleParticipant whether the manager registers with the lifecycle coordinator
   * @return these options
   */
  public ProcessManagerOptions setLifecycleParticipant(boolean lifecycleParticipant) {
    this.lifecycleParticipant = lifecycleParticipant;
    return this;
  }

  /**
   * The name the manager registers under as a participant.
   *
   * @return the name; {@code processes} by default
   */
  public String getParticipantName() {
    return participantName;
  }

  /**
   * Sets the name the manager registers under as a participant.
   *
   * @param participantName the name the manager registers under as a participant
   * @return these options
   * @throws NullPointerException if {@code participantName} is null
   */
  public ProcessManagerOptions setParticipantName(String participantName) {
    this.participantName = Objects.requireNonNull(participantName, "participantName");
    return this;
  }

  /**
   * The stop phase in which the manager stops its children.
   *
   * @return the phase; {@code terminate} by default
   */
  public String getPhase() {
    return phase;
  }

  /**
   * Sets the stop phase in which the manager stops its children.
   *
   * @param phase the stop phase in which the manager stops its children
   * @return these options
   * @throws NullPointerException if {@code phase} is null
   */
  public ProcessManagerOptions setPhase(String phase) {
    this.phase = Objects.requireNonNull(phase, "phase");
    return this;
  }

  /**
   * Whether a guardian process kills the children if the JVM dies.
   *
   * @return true when there is one (the default)
   */
  public boolean isGuardian() {
    return guardian;
  }

  /**
   * Sets whether a guardian process kills the children if the JVM dies.
   *
   * @param guardian whether a guardian process kills the children if the JVM dies
   * @return these options
   */
  public ProcessManagerOptions setGuardian(boolean guardian) {
    this.guardian = guardian;
    return this;
  }

  /**
   * The signal the kernel sends a child when the JVM dies.
   *
   * @return the signal; {@code KILL} by default
   */
  public PosixSignal getParentDeathSignal() {
    return parentDeathSignal;
  }

  /**
   * Sets the signal the kernel sends a child when the JVM dies.
   *
   * @param parentDeathSignal the signal the kernel sends a child when the JVM dies
   * @return these options
   * @throws NullPointerException if {@code parentDeathSignal} is null
   */
  public ProcessManagerOptions setParentDeathSignal(PosixSignal parentDeathSignal) {
    this.parentDeathSignal = Objects.requireNonNull(parentDeathSignal, "parentDeathSignal");
    return this;
  }

  /**
   * How often descendants of running children are looked for.
   *
   * @return the interval; zero for only around stops and exits
   */
  public Duration getDescendantScanInterval() {
    return descendantScanInterval;
  }

  /**
   * How often descendants of running children are looked for; {@link Duration#ZERO} for only around stops and exits.
   *
   * @param descendantScanInterval the interval, zero or positive
   * @return these options
   * @throws IllegalArgumentException if {@code descendantScanInterval} is negative
   */
  public ProcessManagerOptions setDescendantScanInterval(Duration descendantScanInterval) {
    if (descendantScanInterval.isNegative()) {
      throw new IllegalArgumentException("descendantScanInterval must not be negative");
    }
    this.descendantScanInterval = descendantScanInterval;
    return this;
  }
}
