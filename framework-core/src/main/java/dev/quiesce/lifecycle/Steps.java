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

  /** The default stop phases, in order. */
  public static final String ANNOUNCE = "announce";
  public static final String DRAIN = "drain";
  public static final String TERMINATE = "terminate";
  public static final String CLOSE = "close";

  public static final Set<String> RESERVED = Set.of(SUSPEND, RESUME, RELOAD);

  private Steps() {
  }
}
