package dev.quiesce.process.impl;

/** A child that could not be started; the message names the group and the path. */
public final class SpawnException extends Exception {

  public SpawnException(String message) {
    super(message);
  }

  public SpawnException(String message, Throwable cause) {
    super(message, cause);
  }
}
