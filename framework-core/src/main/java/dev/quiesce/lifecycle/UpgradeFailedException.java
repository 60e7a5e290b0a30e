package dev.quiesce.lifecycle;

import java.util.List;

/**
 * An upgrade that did not happen: the successor could not start, exited, or was not ready in time,
 * and was ended. The message says which; {@link #lastOutput()} holds the successor's last output lines.
 */
public final class UpgradeFailedException extends RuntimeException {

  private final transient List<String> lastOutput;

  /**
   * An upgrade that failed.
   *
   * @param message what went wrong
   * @param lastOutput the successor's last lines of output, oldest first (copied)
   */
  public UpgradeFailedException(String message, List<String> lastOutput) {
    super(message, null, false, false);
    this.lastOutput = List.copyOf(lastOutput);
  }

  /**
   * The successor's last lines of output (stdout and stderr).
   *
   * @return the lines, oldest first; may be empty
   */
  public List<String> lastOutput() {
    return lastOutput;
  }
}
