package dev.quiesce.cli;

/**
 * The exit status of the {@code quiesce} command, for scripts (quiesce-cli/README.md lists it).
 * {@link #OK} and {@link #FORCED} are the stop report's own exit codes (0 graceful, 3 forced), so
 * {@code quiesce stop --wait} exits as the application did.
 */
public enum ExitCode {
  /** Done: the command was accepted; with {@code --wait}, the stop was graceful or the reload/upgrade done. */
  OK(0),
  /**
   * The management listener could not be reached, refused the command (401, 403, 409, 400, 5xx) or
   * answered something else than expected; the message says which.
   */
  FAILED(1),
  /** A usage error: an unknown option, a missing token, an unreadable token file. */
  USAGE(2),
  /**
   * With {@code --wait}: the stop report's outcome is {@code forced}, or a reload was {@code partial} or
   * {@code failed}, or an upgrade or a fleet operation failed.
   */
  FORCED(3),
  /** With {@code --wait}: the end did not come within {@code --timeout}; what was asked goes on. */
  TIMED_OUT(4),
  /**
   * With {@code stop --wait}: the connection was lost before the report came (the process ended) and
   * no report could be read from {@code --report}; with {@code fleet … --wait}: the operation is neither
   * running nor the last one (another replaced it, or the fleet restarted): the outcome cannot be known here.
   */
  OUTCOME_UNKNOWN(5);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  /**
   * The process exit status.
   *
   * @return the number the {@code quiesce} process exits with for this outcome
   */
  public int code() {
    return code;
  }
}
