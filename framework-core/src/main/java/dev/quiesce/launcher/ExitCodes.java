package dev.quiesce.launcher;

import dev.quiesce.lifecycle.StopOutcome;
import dev.quiesce.lifecycle.StopReport;

/**
 * The process exit codes of an application run by {@link QuiesceLauncher}. The codes of a stop
 * are those of its {@link StopOutcome} (the stop report carries them as {@code exitCode}).
 */
public final class ExitCodes {

  /** Stopped gracefully: every phase and participant finished in time. */
  public static final int GRACEFUL = StopOutcome.GRACEFUL.exitCode();
  /** The application could not start (a verticle failed to deploy, a port was taken, …). */
  public static final int STARTUP_FAILURE = 1;
  /** The command line was wrong (unknown option, missing value). */
  public static final int USAGE = 2;
  /** Stopped, but something was forced, failed or timed out; the stop report says what. */
  public static final int FORCED = StopOutcome.FORCED.exitCode();
  /** The configuration is invalid (sysexits' EX_CONFIG); nothing was started. */
  public static final int INVALID_CONFIG = 78;

  private ExitCodes() {
  }

  /**
   * The exit code of a stop: {@link #GRACEFUL} or {@link #FORCED}, as its outcome says;
   * {@link #FORCED} without a report (the stop did not finish in time).
   *
   * @param report the stop's report, or null
   * @return the exit code
   */
  public static int of(StopReport report) {
    return report == null ? FORCED : report.outcome().exitCode();
  }
}
