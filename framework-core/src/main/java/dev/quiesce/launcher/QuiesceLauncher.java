package dev.quiesce.launcher;

import dev.quiesce.launcher.impl.CommonPoolSizing;
import dev.quiesce.launcher.impl.LauncherRun;
import dev.quiesce.launcher.impl.LoggingSetup;

/**
 * The main entry of applications built on Quiesce.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   QuiesceLauncher.launch(args, ctx -> ctx.deploy(MyVerticle::new));
 * }
 * }</pre>
 *
 * <p>Command line: {@code --config PATH} (default {@code conf/config.json}, which may be
 * absent), {@code --help}. The launcher loads and validates the configuration (exit 78 on a
 * problem, before anything binds a port or spawns a child), creates Vert.x, deploys the
 * lifecycle coordinator, installs the signal bridge and the JVM shutdown hook, starts the
 * application (exit 1 if it fails), logs one start line with the pid, the configuration
 * sources and the stop plan, and then waits for a stop. After the stop it exits with the
 * report's exit code ({@link ExitCodes}); a stop that overruns its deadline by 500 ms is cut
 * short by a watchdog (exit 3).
 *
 * <p>On a machine with one or two CPUs it first sets the JDK's common fork-join pool to two
 * threads, unless {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism} is given (see
 * docs/PRODUCTION.md: with one thread, every exit of a child process costs a new thread).
 */
public final class QuiesceLauncher {

  private QuiesceLauncher() {
  }

  /**
   * Runs {@code app} and exits the JVM with an {@link ExitCodes exit code}; never returns.
   *
   * @param args the command line ({@code --config PATH}, {@code --help})
   * @param app deploys the application's verticles
   */
  public static void launch(String[] args, QuiesceApplication app) {
    CommonPoolSizing.widenOnSmallMachines();
    LoggingSetup.useDefaultsUnlessConfigured();
    int code = new LauncherRun(args, app).run();
    System.exit(code);
  }
}
