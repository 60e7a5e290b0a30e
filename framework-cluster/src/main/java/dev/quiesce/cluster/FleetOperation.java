package dev.quiesce.cluster;

import dev.quiesce.lifecycle.LifecycleCommand;
import dev.quiesce.lifecycle.WireNamed;
import java.util.List;
import java.util.Optional;

/** A rolling operation across the fleet, one node (or {@code maxUnavailable} nodes) at a time. */
public enum FleetOperation implements WireNamed {
  /** Each node re-reads its configuration (lifecycle {@code reload}); done when it published {@code reloaded}. */
  RELOAD(LifecycleCommand.RELOAD),
  /**
   * Each node starts its successor (lifecycle {@code upgrade}, the single-host upgrade), which takes over
   * its listeners and joins the cluster with a new node id at the same address; done when that one is ready.
   */
  UPGRADE(LifecycleCommand.UPGRADE),
  /**
   * Each node stops (lifecycle {@code stop}) and its supervisor (systemd, Kubernetes) starts it again; done
   * when a node with a new node id at the same address is ready.
   */
  RESTART(LifecycleCommand.STOP);

  private final LifecycleCommand command;

  FleetOperation(LifecycleCommand command) {
    this.command = command;
  }

  /**
   * The single-node command each node runs.
   *
   * @return {@code reload}, {@code upgrade} or {@code stop}
   */
  public LifecycleCommand lifecycleCommand() {
    return command;
  }

  /**
   * Whether the node ends its JVM in the step, and comes back with a new node id at the same address.
   *
   * @return true for {@link #UPGRADE} and {@link #RESTART}
   */
  public boolean replacesNode() {
    return this != RELOAD;
  }

  /**
   * The operation of a wire name, if there is one.
   *
   * @param name a wire name, or null
   * @return the operation, or empty when none has that wire name
   */
  public static Optional<FleetOperation> fromWire(String name) {
    return WireNamed.fromWire(FleetOperation.class, name);
  }

  /**
   * The wire names of every operation.
   *
   * @return {@code reload}, {@code upgrade}, {@code restart}
   */
  public static List<String> wireNames() {
    return WireNamed.wireNames(FleetOperation.class);
  }
}
