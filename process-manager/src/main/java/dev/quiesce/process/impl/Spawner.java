package dev.quiesce.process.impl;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one long-lived thread that spawns every child process of the JVM.
 *
 * <p>Linux delivers a parent-death signal ({@code prctl(PR_SET_PDEATHSIG)}, set through
 * {@code setpriv --pdeathsig}) when the <em>thread</em> that forked the child ends, not only when
 * the process does: a child spawned from a pooled thread would be killed when the pool retires
 * that thread. This thread therefore never ends while the JVM runs: it is a daemon, every task
 * runs in its own try/catch, and interruptions are ignored. It also does the other small blocking
 * chores that must be ordered with spawning (recording children, telling the guardian).
 */
public final class Spawner {

  private static final Logger LOG = LoggerFactory.getLogger(Spawner.class);
  private static final Spawner INSTANCE = new Spawner();

  private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();

  private Spawner() {
    Thread thread = new Thread(this::loop, "quiesce-process-spawner");
    thread.setDaemon(true);
    thread.start();
  }

  /** The JVM's spawner. */
  public static Spawner get() {
    return INSTANCE;
  }


  /** Runs {@code task} on the spawner thread, after every task submitted before it. */
  public <T> CompletableFuture<T> submit(Callable<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    queue.add(() -> {
      try {
        result.complete(task.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    return result;
  }

  /** Runs {@code task} on the spawner thread; a failure is logged. */
  public void execute(Runnable task) {
    queue.add(task);
  }

  private void loop() {
    while (true) {
      Runnable task;
      try {
        task = queue.take();
      } catch (InterruptedException e) {
        continue; // never end: children depend on this thread for their parent-death signal
      }
      try {
        task.run();
      } catch (Throwable t) {
        LOG.error("spawner task failed", t);
      }
    }
  }
}
