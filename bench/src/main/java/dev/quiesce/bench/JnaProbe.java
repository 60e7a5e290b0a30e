package dev.quiesce.bench;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Diagnostics for the fan-out benchmark: what the process manager's first signal costs in a fresh
 * JVM (loading JNA and libc), and what each further signal costs, cold and warm. It binds
 * {@code kill(2)} from libc through JNA the way the process manager does (its binding is not
 * public API), and sends signal 0 to the JVM itself: nothing is delivered.
 *
 * <pre>java -cp bench/target/quiesce-bench.jar dev.quiesce.bench.JnaProbe</pre>
 */
public final class JnaProbe {

  /** {@code kill(2)}, bound as the process manager binds it. */
  interface LibC extends Library {
    int kill(int pid, int sig) throws LastErrorException;
  }

  private JnaProbe() {
  }

  public static void main(String[] args) {
    int pid = (int) ProcessHandle.current().pid(); // a JVM started from a shell leads no group: use kill(pid, 0)
    long t0 = System.nanoTime();
    LibC libc = Native.load("c", LibC.class);
    int first = libc.kill(pid, 0);
    long t1 = System.nanoTime();
    long[] lap = new long[200];
    for (int i = 0; i < 200; i++) {
      long a = System.nanoTime();
      libc.kill(pid, 0);
      lap[i] = System.nanoTime() - a;
    }
    long t2 = System.nanoTime();
    for (int i = 0; i < 20_000; i++) {
      libc.kill(pid, 0);
    }
    long t3 = System.nanoTime();
    for (int i = 0; i < 200; i++) {
      long a = System.nanoTime();
      libc.kill(pid, 0);
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
