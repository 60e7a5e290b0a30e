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
  STARTING,
  RUNNING,
  DRAINING,
  RELOADING,
  STOPPING,
  STOPPED
}
