package dev.quiesce.process.impl;

import dev.quiesce.lifecycle.UpgradeHandover;
import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessGroupConfig.UpgradeMode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * In an upgrade's successor, holds back the groups marked {@code "upgrade": "exclusive"} until the
 * predecessor has released them (stopped its own instances) or has exited and what it left running
 * has been swept ({@code swept}). In any other process, or once the predecessor is gone, it holds back
 * nothing. Runs on the supervisor's context.
 */
final class PredecessorGate {

  /** The gate of a process that is not an upgrade's successor. */
  static final PredecessorGate NONE = new PredecessorGate(null, -1, null, null, () -> { });

  private final UpgradeHandover handover;
  private final long predecessor;
  private final Future<Void> swept;
  private final Context context;
  private final Runnable opened;
  /** The groups whose gate has been asked for; true once it opened (learnt on the context). */
  private final Map<String, Boolean> open = new HashMap<>();

  /**
   * @param swept completes once the predecessor has exited and the sweep after it is done
   * @param opened run on {@code context} each time a group's gate opens: the group may start now
   */
  private PredecessorGate(UpgradeHandover handover, long predecessor, Future<Void> swept, Context context,
      Runnable opened) {
    this.handover = handover;
    this.predecessor = predecessor;
    this.swept = swept;
    this.context = context;
    this.opened = opened;
  }

  /**
   * The gate of this process: {@link #NONE} unless it is an upgrade's successor; a predecessor that has
   * already exited opens every gate once {@code swept} completes (at once, from the context).
   */
  static PredecessorGate of(UpgradeHandover handover, Future<Void> swept, Context context, Runnable opened) {
    return handover.predecessorPid().isPresent()
        ? new PredecessorGate(handover, handover.predecessorPid().getAsLong(), swept, context, opened)
        : NONE;
  }

  /** Whether this process is an upgrade's successor whose predecessor was running at its start. */
  boolean active() {
    return predecessor >= 0;
  }

  /**
   * What {@code group} still waits for before it may start ({@code upgrade predecessor (pid N)}), or
   * empty: the group is not exclusive, this process is no successor, or the gate has opened.
   */
  Optional<String> holds(ProcessGroupConfig group) {
    if (!active() || group.upgrade() != UpgradeMode.EXCLUSIVE) {
      return Optional.empty();
    }
    String name = group.name();
    if (!open.containsKey(name)) {
      open.put(name, false);
      Future.any(handover.whenReleased(name), swept).onComplete(ar -> context.runOnContext(v -> {
        open.put(name, true);
        opened.run();
      }));
    }
    return open.get(name) ? Optional.empty() : Optional.of("upgrade predecessor (pid " + predecessor + ")");
  }
}
