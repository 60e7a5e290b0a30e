package dev.quiesce.lifecycle;

import java.util.Set;

/**
 * Names of the steps the coordinator publishes on {@link EventBusContract#PHASE} that are not
 * stop phases. Every registered participant hears them, whatever phases it registered for.
 * They cannot be used as names of stop phases.
 */
public final class Steps {

  /** Command {@code drain}: stop taking new work until {@link #RESUME} (readiness down). */
  public static final String SUSPEND = "suspend";
  /** Command {@code resume}: take work again after {@link #SUSPEND}. */
  public static final String RESUME = "resume";
  /** Command {@code reload}: apply the new, already validated configuration carried in {@code "config"}. */
  public static final String RELOAD = "reload";

  /** The first default stop phase: readiness answers 503 while everything else is still served. */
  public static final String ANNOUNCE = "announce";
  /** The second default stop phase: listeners stop accepting and work in flight finishes. */
  public static final String DRAIN = "drain";
  /** The third default stop phase: child process groups get their stop signal, then escalation. */
  public static final String TERMINATE = "terminate";
  /** The last default stop phase: resources are closed; then every remaining verticle is undeployed. */
  public static final String CLOSE = "close";

  /** The step names that cannot name a stop phase: {@link #SUSPEND}, {@link #RESUME}, {@link #RELOAD}. */
  public static final Set<String> RESERVED = Set.of(SUSPEND, RESUME, RELOAD);

  private Steps() {
  }
}
