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

  public ConfigException(List<ConfigProblem> problems) {
    super(format(problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  public ConfigException(String path, String message) {
    this(List.of(new ConfigProblem(path, message)));
  }

  /** Every problem found, in the order they were found. */
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
