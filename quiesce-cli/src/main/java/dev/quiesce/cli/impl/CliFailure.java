package dev.quiesce.cli.impl;

import dev.quiesce.cli.ExitCode;

/** Why the command ends without doing what was asked: the message for the user and the exit status. */
public final class CliFailure extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient ExitCode exitCode;

  public CliFailure(ExitCode exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public ExitCode exitCode() {
    return exitCode;
  }
}
