package dev.quiesce.lifecycle;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last-resort actions run just before the process halts on a third stop trigger, for example
 * SIGKILL to every child process group. A hook must be quick and must not block: the process
 * halts right after the hooks return. Each hook runs in its own try/catch; a failing hook does
 * not keep the others from running.
 */
public final class HaltHooks {

  private static final Logger LOG = LoggerFactory.getLogger(HaltHooks.class);
  private static final List<Runnable> HOOKS = new CopyOnWriteArrayList<>();

  private HaltHooks() {
  }

  /** Adds a hook; returns it, for {@link #remove(Runnable)}. */
  public static Runnable add(Runnable hook) {
    HOOKS.add(hook);
    return hook;
  }

  public static void remove(Runnable hook) {
    HOOKS.remove(hook);
  }

  /** Runs every hook once, in the order added. */
  public static void runAll() {
    for (Runnable hook : HOOKS) {
      try {
        hook.run();
      } catch (Throwable t) {
        LOG.error("halt hook failed", t);
      }
    }
  }
}
