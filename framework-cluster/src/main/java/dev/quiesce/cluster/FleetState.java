package dev.quiesce.cluster;

import dev.quiesce.lifecycle.WireNamed;
import java.util.Optional;

/**
 * The {@code "state"} of a {@link FleetEvent}: what a node's lifecycle just did, as the fleet sees
 * it. Wire names are lower case with dashes ({@code not-ready}).
 */
public enum FleetState implements WireNamed {
  /** The node joined the cluster; its application is starting (not ready yet). */
  JOINED(false),
  /** The node's application runs and takes work (lifecycle state {@code RUNNING}). */
  READY(true),
  /** The node takes no new work for now (a {@code drain} command); {@code resume} makes it ready again. */
  NOT_READY(false),
  /** A reload began on the node; it keeps serving. */
  RELOADING(true),
  /** A reload ended and every participant applied it. */
  RELOADED(true),
  /** A reload ended with a participant failed or late ({@code partial}), or the configuration was bad ({@code failed}). */
  RELOAD_FAILED(true),
  /** An upgrade started a successor process; the node still serves. */
  UPGRADING(true),
  /** The upgrade's successor did not become ready: it was ended, the node serves on. */
  UPGRADE_FAILED(true),
  /** The node's stop began: readiness is down (announce), it drains and leaves the cluster. */
  LEAVING(false),
  /** The node's stop is over (its report is out); it is about to leave the cluster. */
  STOPPED(false);

  private final boolean serving;

  FleetState(boolean serving) {
    this.serving = serving;
  }

  /**
   * Whether a node in this state takes new work (what a balancer's readiness probe sees).
   *
   * @return true for the states of a running node that was not told to drain or stop
   */
  public boolean serving() {
    return serving;
  }

  /**
   * The state of a wire name, if there is one.
   *
   * @param name a wire name, or null
   * @return the state, or empty when none has that wire name
   */
  public static Optional<FleetState> fromWire(String name) {
    return WireNamed.fromWire(FleetState.class, name);
  }
}
