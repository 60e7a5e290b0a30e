package dev.quiesce.bench;

import dev.quiesce.process.impl.Posix;

/**
 * Diagnostics for the fan-out benchmark: what the process manager's first signal costs in a fresh
 * JVM (loading JNA and libc through {@code Posix}), and what each further signal costs, cold and
 * warm. Signal 0 to the JVM's own process group: nothing is delivered.
 *
 * <pre>java -cp bench/target/quiesce-bench.jar dev.quiesce.bench.JnaProbe</pre>
 */
public final class JnaProbe {

  private JnaProbe() {
  }

  public static void main(String[] args) {
    int pgid = (int) ProcessHandle.current().pid(); // a JVM started from a shell leads no group: use kill(pid, 0)
    long t0 = System.nanoTime();
    int first = Posix.kill(pgid, 0);
    long t1 = System.nanoTime();
    long[] lap = new long[200];
    for (int i = 0; i < 200; i++) {
      long a = System.nanoTime();
      Posix.kill(pgid, 0);
      lap[i] = System.nanoTime() - a;
    }
    long t2 = System.nanoTime();
    for (int i = 0; i < 20_000; i++) {
      Posix.kill(pgid, 0);
    }
    long t3 = System.nanoTime();
    for (int i = 0; i < 200; i++) {
      long a = System.nanoTime();
      Posix.kill(pgid, 0);
      lap[i] = System.nanoTime() - a;
    }
    long t4 = System.nanoTime();
    System.out.printf(java.util.Locale.ROOT, "first call (loads JNA and libc): %.1f ms (result %d)%n", (t1 - t0) / 1e6,
        first);
    System.out.printf(java.util.Locale.ROOT, "next 200 calls, cold: %.1f ms (%.0f us each)%n", (t2 - t1) / 1e6,
        (t2 - t1) / 200 / 1e3);
    System.out.printf(java.util.Locale.ROOT, "200 calls after 20,000 more (JIT-compiled): %.2f ms (%.1f us each)%n",
        (t4 - t3) / 1e6, (t4 - t3) / 200 / 1e3);
  }
}
