package dev.quiesce.config;

import java.util.Objects;

/**
 * One thing wrong with a configuration: where ({@link #path()}, a JSON path such as
 * {@code lifecycle.phases[1].timeout}) and which rule it broke ({@link #message()}).
 *
 * @param path the JSON path of the value that is wrong; empty for the whole document
 * @param message the rule it broke
 */
public record ConfigProblem(String path, String message) {

  /**
   * Checks the components.
   *
   * @param path the JSON path of the value that is wrong; empty for the whole document
   * @param message the rule it broke
   * @throws NullPointerException if {@code path} or {@code message} is null
   */
  public ConfigProblem {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  /** {@code path: message}, or the message alone for a problem with the whole document. */
  @Override
  public String toString() {
    return path.isEmpty() ? message : path + ": " + message;
  }
}
