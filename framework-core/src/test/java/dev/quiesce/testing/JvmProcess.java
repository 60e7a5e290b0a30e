package dev.quiesce.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Java main run as its own JVM for end-to-end tests: its output goes to a file, it is tagged
 * with {@code TEST_RUN_TAG} so a test can find exactly its own processes, and signals are
 * sent with the real {@code kill} command. {@link #close()} kills it (by pid) if still alive.
 */
public final class JvmProcess implements AutoCloseable {

  private final Process process;
  private final Path output;
  private final String tag;

  private JvmProcess(Process process, Path output, String tag) {
    this.process = process;
    this.output = output;
    this.tag = tag;
  }

  /** Starts {@code mainClass} with the test's class path. */
  public static JvmProcess start(Path dir, List<String> jvmArgs, String mainClass, List<String> args,
      Map<String, String> env) throws IOException {
    return startCommand(dir, command(jvmArgs, List.of("-cp", System.getProperty("java.class.path"), mainClass), args),
        env);
  }

  /**
   * Starts {@code mainClass} as {@link #start} does, through {@code wrapper} (a command that execs
   * its arguments, such as {@code nohup}), so the pid is still the JVM's.
   */
  public static JvmProcess startWrapped(List<String> wrapper, Path dir, List<String> jvmArgs, String mainClass,
      List<String> args, Map<String, String> env) throws IOException {
    List<String> command = new ArrayList<>(wrapper);
    command.addAll(command(jvmArgs, List.of("-cp", System.getProperty("java.class.path"), mainClass), args));
    return startCommand(dir, command, env);
  }

  /** Starts {@code java -jar jar} with the JDK that runs the tests. */
  public static JvmProcess startJar(Path dir, List<String> jvmArgs, Path jar, List<String> args,
      Map<String, String> env) throws IOException {
    return startCommand(dir, command(jvmArgs, List.of("-jar", jar.toString()), args), env);
  }

  /** Starts {@code java -jar jar} with the JDK in {@code javaHome}. */
  public static JvmProcess startJar(Path javaHome, Path dir, List<String> jvmArgs, Path jar, List<String> args,
      Map<String, String> env) throws IOException {
    return startCommand(dir, command(javaHome, jvmArgs, List.of("-jar", jar.toString()), args), env);
  }

  private static List<String> command(List<String> jvmArgs, List<String> what, List<String> args) {
    return command(Path.of(System.getProperty("java.home")), jvmArgs, what, args);
  }

  private static List<String> command(Path javaHome, List<String> jvmArgs, List<String> what, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(javaHome.resolve("bin").resolve("java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Xshare:auto");
    command.addAll(jvmArgs);
    command.addAll(what);
    command.addAll(args);
    return command;
  }

  private static JvmProcess startCommand(Path dir, List<String> command, Map<String, String> env) throws IOException {
    String tag = "quiesce-test-" + UUID.randomUUID();
    Path output = dir.resolve("jvm-" + System.nanoTime() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().putAll(env);
    builder.environment().put("TEST_RUN_TAG", tag);
    return new JvmProcess(builder.start(), output, tag);
  }

  public long pid() {
    return process.pid();
  }

  public String tag() {
    return tag;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the JVM printed so far (stdout and stderr). */
  public String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits until a line matches {@code regex}; returns the match. Fails with the output if it never comes. */
  public Matcher awaitLine(String regex, Duration timeout) {
    Pattern pattern = Pattern.compile(regex);
    try {
      return Await.value("a line matches /" + regex + "/", timeout, () -> {
        boolean exited = !process.isAlive();
        // read after checking the exit: a line written just before the exit is still found
        Matcher m = firstMatch(pattern);
        if (m == null && exited) {
          throw new AssertionError("the JVM exited with " + process.exitValue());
        }
        return m;
      });
    } catch (AssertionError e) {
      throw new AssertionError("no line matching /" + regex + "/ within " + Timing.upTo(timeout) + " ("
          + e.getMessage() + "); output:\n" + output(), e);
    }
  }

  /**
   * As {@link #awaitLine}, but goes on waiting after this JVM has exited: for the lines of a process
   * that writes to the same stdout and outlives it (an upgrade's successor).
   */
  public Matcher awaitLineAlsoAfterExit(String regex, Duration timeout) {
    Pattern pattern = Pattern.compile(regex);
    try {
      return Await.value("a line matches /" + regex + "/", timeout, () -> firstMatch(pattern));
    } catch (AssertionError e) {
      throw new AssertionError("no line matching /" + regex + "/ within " + Timing.upTo(timeout) + "; output:\n"
          + output(), e);
    }
  }

  private Matcher firstMatch(Pattern pattern) {
    for (String line : output().split("\n")) {
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return m;
      }
    }
    return null;
  }

  /** Sends {@code signal} (e.g. {@code TERM}) with the real {@code kill} command. */
  public void signal(String signal) throws IOException, InterruptedException {
    kill(signal, pid());
  }

  /** {@code kill -SIGNAL pid}; fails if kill does. */
  public static void kill(String signal, long pid) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -" + signal + " " + pid + " failed: "
          + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** What {@link #storm} did: how many signals were sent, and in how long. */
  public record Storm(int sent, Duration took) {
  }

  /**
   * Sends {@code count} {@code signal}s to this JVM as fast as one shell loop running the real
   * {@code kill} command ({@code /bin/kill}) can; stops early if the JVM is gone.
   */
  public Storm storm(String signal, int count) throws IOException, InterruptedException {
    long start = System.nanoTime();
    Process loop = new ProcessBuilder("sh", "-c",
        "n=0; while [ \"$n\" -lt \"$2\" ]; do /bin/kill -\"$1\" \"$3\" 2>/dev/null || break; n=$((n+1)); done; echo $n",
        "sh", signal, Integer.toString(count), Long.toString(pid())).redirectErrorStream(true).start();
    if (!loop.waitFor(30, TimeUnit.SECONDS)) {
      loop.destroyForcibly();
      throw new IOException("the signal storm did not end within 30 s");
    }
    String out = new String(loop.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return new Storm(Integer.parseInt(out), Duration.ofNanos(System.nanoTime() - start));
  }

  /** How a stop ended: the exit code, and how long after the signal the JVM was gone. */
  public record Exit(int code, long tookMs) {
  }

  /**
   * Sends {@code signal} and waits for the exit, timing it from just before the signal; fails with
   * the output if the exit does not come within {@code timeout}.
   */
  public Exit stop(String signal, Duration timeout) throws IOException, InterruptedException {
    long signalled = System.nanoTime();
    signal(signal);
    int code = awaitExit(timeout);
    return new Exit(code, (System.nanoTime() - signalled) / 1_000_000);
  }

  /** Waits for the exit and returns the exit code; fails with the output if it does not come in time. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the JVM did not exit within " + timeout + "; output:\n" + output());
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
