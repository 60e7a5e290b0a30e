package dev.quiesce.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A process the harness started (a server JVM, wrk, jcmd): tagged with {@code BENCH_TAG} in its
 * environment, its output in a log file, its exit timed through the process handle. Every process
 * still running when the harness exits is killed, by pid, from a shutdown hook.
 */
final class Server {

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  /**
   * Put before a server's command: {@code env} (coreutils) resets HUP, INT and TERM to their
   * default disposition and execs the command (same pid). A signal ignored by the harness's own
   * parent (HUP under {@code nohup}, INT for a background job of a script) stays ignored across
   * exec, and a JVM does not catch a signal it inherited as ignored: the servers would not hear it.
   */
  static final List<String> DEFAULT_SIGNALS = List.of("env", "--default-signal=HUP,INT,TERM");

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (Process p : LIVE) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }, "bench-cleanup"));
  }

  final String name;
  final Process process;
  final Path log;
  /** System.nanoTime() just before the process was started. */
  final long startNanos;
  /** System.nanoTime() when the harness saw the process exit (the JDK's reaper returned from waitpid). */
  private volatile long exitNanos = -1;
  private volatile long signalNanos = -1;

  private Server(String name, Process process, Path log, long startNanos) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.startNanos = startNanos;
    Thread waiter = new Thread(() -> {
      try {
        process.waitFor();
        exitNanos = System.nanoTime();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        LIVE.remove(process);
      }
    }, "bench-exit-" + name);
    waiter.setDaemon(true);
    waiter.start();
  }

  /** Starts {@code command} in {@code cwd}, output (both streams) to {@code log}, with BENCH_TAG and {@code env}. */
  static Server start(String name, List<String> command, Path cwd, Path log, Map<String, String> env)
      throws IOException {
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("BENCH_TAG", Bench.TAG);
    pb.environment().putAll(env);
    long t0 = System.nanoTime();
    Process p = pb.start();
    LIVE.add(p);
    return new Server(name, p, log, t0);
  }

  /** A JVM: {@code java <jvmArgs> <rest>}. */
  static Server java(String name, List<String> jvmArgs, List<String> rest, Path cwd, Path log,
      Map<String, String> env) throws IOException {
    List<String> cmd = new ArrayList<>(DEFAULT_SIGNALS);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.addAll(rest);
    return start(name, cmd, cwd, log, env);
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Sends SIGTERM (Process.destroy on Linux) and returns the System.nanoTime() just before it. */
  long term() {
    signalNanos = System.nanoTime();
    process.destroy();
    return signalNanos;
  }

  /** Sends {@code signal} with /usr/bin/kill (tagged as well); returns the time just before the kill ran. */
  long signal(String signal) throws IOException, InterruptedException {
    return signal(pid(), signal);
  }

  /** Sends {@code signal} to {@code pid} (any process, not only one this harness started) with a tagged /usr/bin/kill. */
  static long signal(long pid, String signal) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("kill", "-" + signal, Long.toString(pid));
    pb.environment().put("BENCH_TAG", Bench.TAG);
    long t = System.nanoTime();
    int rc = pb.start().waitFor();
    if (rc != 0) {
      throw new IOException("kill -" + signal + " " + pid + " failed: " + rc);
    }
    return t;
  }

  /** Waits for the exit; returns the exit code, or kills the process (and fails) after {@code timeoutMs}. */
  int awaitExit(long timeoutMs) throws InterruptedException {
    if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
      kill();
      throw new IllegalStateException(name + " (pid " + pid() + ") did not exit within " + timeoutMs
          + " ms; killed. Log: " + log);
    }
    // the waiter thread records the time; wait for it (it runs right after waitFor returns)
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (exitNanos < 0 && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    return process.exitValue();
  }

  /**
   * Waits, polling /proc every millisecond, until {@code pid} has exited (gone, or a zombie: a
   * process this harness did not start is reaped by someone else, maybe later); returns the
   * System.nanoTime() it was first seen so, or -1 after {@code timeoutMs}.
   */
  static long awaitGone(long pid, long timeoutMs) throws InterruptedException {
    long until = System.nanoTime() + timeoutMs * 1_000_000;
    while (System.nanoTime() < until) {
      if (gone(pid)) {
        return System.nanoTime();
      }
      Thread.sleep(1);
    }
    return -1;
  }

  /** Whether {@code pid} has exited: no /proc entry, or state Z (exited, not reaped yet). */
  static boolean gone(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // "pid (comm) S ...": the state follows the last ')' (comm may hold spaces and parentheses)
      return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  long exitNanos() {
    return exitNanos;
  }

  long signalNanos() {
    return signalNanos;
  }

  /** SIGKILL to the process and its descendants; waits a little for it to go. */
  void kill() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(5, TimeUnit.SECONDS);
  }

  /** Stops the process if it still runs: TERM, then KILL after {@code graceMs}. */
  void stopQuietly(long graceMs) {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
          kill();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  /** Fails with the end of the log when the process has exited. */
  void checkAlive() {
    if (!process.isAlive()) {
      String text = logText();
      throw new IllegalStateException(name + " exited with " + process.exitValue() + "; end of its log (" + log + "):\n"
          + text.substring(Math.max(0, text.length() - 3000)));
    }
  }
}
