package dev.quiesce.launcher;

/** The process exit codes of an application run by {@link QuiesceLauncher}. */
public final class ExitCodes {

  /** Stopped gracefully: every phase and participant finished in time. */
  public static final int GRACEFUL = 0;
  /** The application could not start (a verticle failed to deploy, a port was taken, …). */
  public static final int STARTUP_FAILURE = 1;
  /** The command line was wrong (unknown option, missing value). */
  public static final int USAGE = 2;
  /** Stopped, but something was forced, failed or timed out; the stop report says what. */
  public static final int FORCED = 3;
  /** The configuration is invalid (sysexits' EX_CONFIG); nothing was started. */
  public static final int INVALID_CONFIG = 78;

  private ExitCodes() {
  }
}
