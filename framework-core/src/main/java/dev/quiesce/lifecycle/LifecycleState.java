package dev.quiesce.lifecycle;

/**
 * The states of an application run by Quiesce.
 *
 * <pre>
 * STARTING → RUNNING → STOPPING → STOPPED
 *            RUNNING ⇄ DRAINING   (command "drain", undone by "resume")
 *            RUNNING → RELOADING → RUNNING
 * </pre>
 *
 * A stop may begin from any state but {@code STOPPED}.
 */
public enum LifecycleState {
  /** The application is starting; the launcher has not yet marked it started. */
  STARTING,
  /** Started and serving. */
  RUNNING,
  /** Taking no new work after a {@code drain} command, until {@code resume}. */
  DRAINING,
  /** A {@code reload} is being applied. */
  RELOADING,
  /** The stop phases are running. */
  STOPPING,
  /** The stop has finished and its report is out. */
  STOPPED
}
