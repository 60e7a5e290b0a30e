package dev.quiesce.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration that cannot be used. It carries every {@link ConfigProblem} found, each
 * naming its JSON path, so a user can fix them all in one go. The launcher exits with
 * {@code ExitCodes.INVALID_CONFIG} (78) when it sees one at start.
 */
public class ConfigException extends RuntimeException {

  private final transient List<ConfigProblem> problems;

  /**
   * An exception carrying {@code problems}; its message lists them all.
   *
   * @param problems every problem found, at least one
   * @throws IllegalArgumentException if {@code problems} is empty
   */
  public ConfigException(List<ConfigProblem> problems) {
    super(format(problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /**
   * An exception carrying one problem.
   *
   * @param path the JSON path of the value that is wrong; empty for the whole document
   * @param message the rule it broke
   */
  public ConfigException(String path, String message) {
    this(List.of(new ConfigProblem(path, message)));
  }

  /**
   * Every problem found, in the order they were found.
   *
   * @return an unmodifiable list, never empty
   */
  public List<ConfigProblem> problems() {
    return problems;
  }

  private static String format(List<ConfigProblem> problems) {
    if (problems.size() == 1) {
      return "invalid configuration: " + problems.get(0);
    }
    return "invalid configuration (" + problems.size() + " problems):"
        + problems.stream().map(p -> "\n  " + p).collect(Collectors.joining());
  }
}
