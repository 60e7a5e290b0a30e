package dev.quiesce.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * How busy the machine was with work that is not the benchmark's: the CPU time of the whole
 * machine (user + nice + system, from /proc/stat) minus that of this harness and every process
 * tagged with this run's BENCH_TAG (including reaped children), over a window. Reported as the
 * share of one core; with 2 cores shared by client and server, anything above a few percent is
 * noise in the figures. Also the steal time (the hypervisor's).
 */
final class CpuMonitor {

  private static final double TICKS = 100.0; // CLK_TCK on Linux

  /** The foreign load and steal over a window, in percent of one core. */
  record Load(double foreignPct, double stealPct) {
  }

  private final long startNanos;
  private final long[] start;

  private CpuMonitor() {
    startNanos = System.nanoTime();
    start = snapshot();
  }

  static CpuMonitor start() {
    return new CpuMonitor();
  }

  /** The foreign-load threshold of {@link #awaitQuiet}, in % of one core (--quiet, default 15). */
  static volatile double quietPct = 15;
  /** How long {@link #awaitQuiet} waits at most (--quiet-wait seconds, default 120). */
  static volatile long quietWaitMs = 120_000;

  /**
   * Waits until the machine is quiet: a 1 s window in which work other than this run's took less
   * than {@link #quietPct} of a core; at most {@link #quietWaitMs}. Measuring while someone else
   * builds on the same two cores measures them, not us. Returns the last window's foreign load
   * (the caller reports it when it is still above the threshold).
   */
  static double awaitQuiet() throws InterruptedException {
    long until = System.nanoTime() + quietWaitMs * 1_000_000;
    boolean said = false;
    while (true) {
      CpuMonitor m = start();
      Thread.sleep(1000);
      double foreign = m.stop().foreignPct();
      if (foreign < quietPct || System.nanoTime() > until) {
        if (said) {
          System.out.printf(java.util.Locale.ROOT, "  ... %s (foreign load %.0f%% of a core)%n",
              foreign < quietPct ? "quiet again" : "still busy, measuring anyway", foreign);
        }
        return foreign;
      }
      if (!said) {
        System.out.printf(java.util.Locale.ROOT, "  waiting for the machine to be quiet (foreign load %.0f%% of a core)%n",
            foreign);
        said = true;
      }
    }
  }

  Load stop() {
    long[] end = snapshot();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    double total = (end[0] - start[0]) / TICKS;
    double mine = (end[1] - start[1]) / TICKS;
    double steal = (end[2] - start[2]) / TICKS;
    return new Load(Math.max(0, (total - mine) / seconds * 100), steal / seconds * 100);
  }

  /** {machine user+nice+system, this run's processes' utime+stime+cutime+cstime, steal}, in ticks. */
  private static long[] snapshot() {
    long total = 0;
    long steal = 0;
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      total = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]);
      steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
    } catch (IOException | RuntimeException e) {
      // leave 0
    }
    long mine = 0;
    long self = ProcessHandle.current().pid();
    String tag = "BENCH_TAG=" + Bench.TAG;
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
          continue;
        }
        try {
          boolean ours = Long.parseLong(name) == self;
          if (!ours) {
            String env = new String(Files.readAllBytes(p.resolve("environ")), StandardCharsets.UTF_8);
            ours = env.startsWith(tag + "\0") || env.contains("\0" + tag + "\0");
          }
          if (ours) {
            mine += times(Files.readString(p.resolve("stat")));
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile
        }
      }
    } catch (IOException e) {
      // leave what we have
    }
    return new long[] {total, mine, steal};
  }

  /** CPU time of one process (all its threads) in seconds, from /proc/PID/stat; NaN when gone. */
  static double processSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** utime + stime + cutime + cstime of a /proc/PID/stat line (fields 14–17). */
  private static long times(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // f[0] is field 3 (state): field k is f[k - 3]
    return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
  }
}
