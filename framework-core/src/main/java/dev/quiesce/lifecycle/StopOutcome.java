package dev.quiesce.lifecycle;

import java.util.Optional;

/**
 * The {@code "outcome"} of a {@link StopReport}, with the process exit code the launcher ends
 * with for it. The exit code belongs to the outcome because the report carries it on the wire
 * ({@code "exitCode"}); {@code dev.quiesce.launcher.ExitCodes} refers to these values.
 */
public enum StopOutcome implements WireNamed {
  /** Every phase and participant finished in time; nothing was forced. Exit code 0. */
  GRACEFUL(0),
  /** Something was forced, failed or timed out: the report's {@code problems} say what. Exit code 3. */
  FORCED(3);

  private final int exitCode;

  StopOutcome(int exitCode) {
    this.exitCode = exitCode;
  }

  /**
   * The process exit code of an application that stopped with this outcome.
   *
   * @return 0 for {@link #GRACEFUL}, 3 for {@link #FORCED}
   */
  public int exitCode() {
    return exitCode;
  }


  /**


   * The outcome of a wire name, if there is one.


   *


   * @param name a wire name, or null


   * @return the outcome, or empty when none has that wire name


   */
  public static Optional<StopOutcome> fromWire(String name) {
    return WireNamed.fromWire(StopOutcome.class, name);
  }
}
