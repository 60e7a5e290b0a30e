package dev.quiesce.lifecycle;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last-resort actions of one Vert.x instance, run just before the process halts on a third stop
 * trigger, for example SIGKILL to every child process group that instance's process manager
 * started. The launcher runs the hooks of its own Vert.x; two Vert.x instances in one JVM never run
 * each other's hooks.
 *
 * <p>A hook must be quick and must not block: the process halts right after the hooks return.
 * Each hook runs in its own try/catch; a failing hook does not keep the others from running.
 * The hooks are kept in the instance's local shared data, so they belong to that instance alone.
 */
public final class HaltHooks implements Shareable {

  private static final Logger LOG = LoggerFactory.getLogger(HaltHooks.class);
  private static final String MAP = "quiesce.halt-hooks";

  private final List<Runnable> hooks = new CopyOnWriteArrayList<>();

  private HaltHooks() {
  }

  /**
   * The halt hooks of {@code vertx}.
   *
   * @param vertx the Vert.x instance
   * @return the same object for every call with the same instance
   */
  public static HaltHooks of(Vertx vertx) {
    LocalMap<String, HaltHooks> map = vertx.sharedData().getLocalMap(MAP);
    HaltHooks created = new HaltHooks();
    HaltHooks existing = map.putIfAbsent(MAP, created);
    return existing == null ? created : existing;
  }

  /**
   * Adds a hook.
   *
   * @param hook run by {@link #runAll()}
   * @return {@code hook}, for {@link #remove(Runnable)}
   */
  public Runnable add(Runnable hook) {
    hooks.add(hook);
    return hook;
  }

  /**
   * Removes a hook; nothing happens when it was not added.
   *
   * @param hook a hook {@link #add(Runnable)} returned
   */
  public void remove(Runnable hook) {
    hooks.remove(hook);
  }

  /** Runs every hook once, in the order added. */
  public void runAll() {
    for (Runnable hook : hooks) {
      try {
        hook.run();
      } catch (Throwable t) {
        LOG.error("halt hook failed", t);
      }
    }
  }
}
