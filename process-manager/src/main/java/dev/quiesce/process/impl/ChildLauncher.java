package dev.quiesce.process.impl;

import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessGroupConfig.Output;
import dev.quiesce.signal.PosixSignal;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Starts one child: checks that its program and working directory exist, then runs it as
 * {@code setsid -- setpriv --pdeathsig KILL -- <command…>} so that it leads its own session and
 * process group (pid = pgid) and is killed by the kernel when the spawning thread, and so the
 * JVM, dies. Records it in the {@link ChildRecords} and tells the {@link Guardian}. Command probes
 * of the {@code health} section are started the same way ({@link #startProbe}). What a child inherits
 * of the JVM's environment leaves out {@link #SERVICE_MANAGER_VARIABLES}. Runs on the
 * {@link Spawner} thread only.
 */
public final class ChildLauncher {

  /** A child just started. */
  public record Spawned(Process process, int pid, long startTime) {
  }

  /**
   * The variables by which systemd (or another service manager) speaks to the JVM itself: never
   * passed on from the JVM's environment. A child given the JVM's {@code WATCHDOG_PID} would think its
   * watchdog is meant for another process, its {@code NOTIFY_SOCKET} would make its {@code READY=1}
   * and {@code MAINPID=} the service's own, and {@code LISTEN_FDS} would announce descriptors a
   * child never gets (only 0, 1 and 2 are passed on). The manager sets its own
   * {@code NOTIFY_SOCKET} and {@code WATCHDOG_USEC} where they apply; a group's {@code env} may still
   * set any of them explicitly.
   */
  static final List<String> SERVICE_MANAGER_VARIABLES = List.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
      "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES");

  private final String setsid;
  private final String setpriv;
  private final PosixSignal deathSignal;
  private final ChildRecords records;
  private final Guardian guardian;
  private final Map<String, String> inheritedEnv;

  public ChildLauncher(Tools tools, PosixSignal deathSignal, ChildRecords records, Guardian guardian) {
    this(tools, deathSignal, records, guardian, System.getenv());
  }

  /**
   * @param inheritedEnv what a group with {@code inheritEnv} inherits (the JVM's environment), less
   *     {@link #SERVICE_MANAGER_VARIABLES}
   */
  ChildLauncher(Tools tools, PosixSignal deathSignal, ChildRecords records, Guardian guardian,
      Map<String, String> inheritedEnv) {
    this.setsid = tools.setsid();
    this.setpriv = tools.setpriv().orElse(null);
    this.deathSignal = deathSignal;
    this.records = records;
    this.guardian = guardian;
    Map<String, String> inherited = new HashMap<>(inheritedEnv);
    inherited.keySet().removeAll(SERVICE_MANAGER_VARIABLES);
    this.inheritedEnv = Map.copyOf(inherited);
  }

  /** The util-linux programs the launcher needs; {@code setpriv} is optional (no parent-death signal without it). */
  public record Tools(String setsid, Optional<String> setpriv) {

    /**
     * Finds them on the PATH, or in /usr/bin and /bin.
     *
     * @throws IllegalStateException when {@code setsid} is missing: children could not get their own process group
     */
    public static Tools find() {
      String setsid = which("setsid").orElseThrow(() -> new IllegalStateException(
          "the process manager needs util-linux's setsid (not found on the PATH, in /usr/bin or /bin)"));
      return new Tools(setsid, which("setpriv"));
    }

    static Optional<String> which(String program) {
      Set<String> dirs = new LinkedHashSet<>();
      String path = System.getenv("PATH");
      if (path != null) {
        dirs.addAll(List.of(path.split(File.pathSeparator)));
      }
      dirs.addAll(List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin"));
      for (String dir : dirs) {
        if (dir.isEmpty()) {
          continue;
        }
        Path p = Path.of(dir, program);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return Optional.of(p.toString());
        }
      }
      return Optional.empty();
    }
  }

  /**
   * Starts instance {@code instance} of {@code group}.
   *
   * @param extraEnv variables set last ({@code QUIESCE_GROUP}, {@code QUIESCE_INSTANCE}, …)
   * @throws SpawnException naming the group and the path when the program or directory is missing,
   *     not executable, or the start fails
   */
  public Spawned spawn(ProcessGroupConfig group, int instance, Map<String, String> extraEnv) throws SpawnException {
    return start(group, instance, group.command(), extraEnv, group.output(), true);
  }

  /**
   * Starts a {@code health.command} probe of instance {@code instance} of {@code group} as a child is
   * started (its own process group, the parent-death signal, told to the guardian), with the group's
   * environment and working directory, its output discarded. It is not written to the
   * {@link ChildRecords}: the file would grow by two lines a probe for as long as the JVM runs.
   * {@link #forgetProbe} it once its process group is gone.
   *
   * @throws SpawnException naming the group and the program when the start fails
   */
  public Spawned startProbe(ProcessGroupConfig group, int instance, List<String> command,
      Map<String, String> extraEnv) throws SpawnException {
    return start(group, instance, command, extraEnv, Output.DISCARD, false);
  }

  /** Starts {@code command} as {@link #spawn} says; a probe ({@code child} false) is neither checked first nor recorded. */
  private Spawned start(ProcessGroupConfig group, int instance, List<String> command, Map<String, String> extraEnv,
      Output output, boolean child) throws SpawnException {
    ProcessBuilder pb = new ProcessBuilder(argv(command));
    pb.environment().clear();
    if (group.inheritEnv()) {
      pb.environment().putAll(inheritedEnv);
    }
    pb.environment().putAll(group.env());
    pb.environment().putAll(extraEnv);
    Path cwd = group.cwd().map(Path::of).orElse(Path.of("").toAbsolutePath());
    if (child) {
      check(group, cwd, pb.environment().get("PATH"));
    }
    pb.directory(cwd.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    if (output == Output.INHERIT) {
      pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
    } else if (output == Output.DISCARD) {
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    }
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new SpawnException("group " + group.name() + ": cannot start " + command.get(0) + ": "
          + e.getMessage(), e);
    }
    int pid = (int) process.pid();
    long start = ProcStat.startTime(pid).orElse(-1);
    if (child && records != null && start >= 0) {
      records.add(pid, start, group.name(), instance);
    }
    if (guardian != null) {
      guardian.watch(pid);
    }
    return new Spawned(process, pid, start);
  }

  /** Forgets a child whose process group is gone. */
  public void forget(int pid, long startTime) {
    if (guardian != null) {
      guardian.unwatch(pid);
    }
    if (records != null && startTime >= 0) {
      records.remove(pid, startTime);
    }
  }

  /** Forgets a probe of {@link #startProbe} whose process group is gone. */
  public void forgetProbe(int pgid) {
    if (guardian != null) {
      guardian.unwatch(pgid);
    }
  }

  private List<String> argv(List<String> command) {
    List<String> argv = new ArrayList<>(List.of(setsid, "--"));
    if (setpriv != null) {
      argv.addAll(List.of(setpriv, "--pdeathsig", deathSignal.name(), "--"));
    }
    argv.addAll(command);
    return argv;
  }

  /** Fails with a message naming the group and the path when the program cannot be run from {@code cwd}. */
  static void check(ProcessGroupConfig group, Path cwd, String path) throws SpawnException {
    String prefix = "group " + group.name() + ": cannot start ";
    if (!Files.isDirectory(cwd)) {
      throw new SpawnException(prefix + "in " + cwd + ": the working directory does not exist");
    }
    String program = group.command().get(0);
    if (program.contains("/")) {
      Path p = cwd.resolve(program);
      if (!Files.exists(p)) {
        throw new SpawnException(prefix + p + ": no such file");
      }
      if (Files.isDirectory(p)) {
        throw new SpawnException(prefix + p + ": it is a directory");
      }
      if (!Files.isExecutable(p)) {
        throw new SpawnException(prefix + p + ": not executable (permission denied)");
      }
      return;
    }
    String search = path == null ? "/bin:/usr/bin" : path;
    for (String dir : search.split(":", -1)) {
      Path p = cwd.resolve(dir.isEmpty() ? "." : dir).resolve(program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return;
      }
    }
    throw new SpawnException(prefix + program + ": not found on the PATH (" + search + ")");
  }
}
