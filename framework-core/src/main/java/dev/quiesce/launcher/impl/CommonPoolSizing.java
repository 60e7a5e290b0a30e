package dev.quiesce.launcher.impl;

/**
 * Gives the JDK's common fork-join pool at least two threads on machines with one or two CPUs.
 *
 * <p>With {@code availableProcessors() <= 2} the JDK sizes the common pool to one thread, and
 * {@code CompletableFuture} then runs every async completion on a <em>new thread</em>. The JDK's
 * {@code Process.onExit()} completes that way, so a stop that ends 200 child processes started
 * 200 threads at once: a profile of the fan-out benchmark (docs/BENCHMARKS.md) put 40-45 ms of the
 * terminate phase's tail there. With two threads the completions share the pool.
 *
 * <p>Must run before anything touches {@code ForkJoinPool} or {@code CompletableFuture}: both read
 * the setting once, when their class initialises. An explicit
 * {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism} is left as it is.
 */
public final class CommonPoolSizing {

  static final String PROPERTY = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private CommonPoolSizing() {
  }

  /** Sets the property to 2 when it is unset and the JVM sees at most 2 CPUs; true when it set it. */
  public static boolean widenOnSmallMachines() {
    if (System.getProperty(PROPERTY) != null || Runtime.getRuntime().availableProcessors() > 2) {
      return false;
    }
    System.setProperty(PROPERTY, "2");
    return true;
  }
}
