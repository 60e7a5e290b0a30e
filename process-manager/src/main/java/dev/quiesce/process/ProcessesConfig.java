package dev.quiesce.process;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigReader;
import dev.quiesce.process.impl.ProcessesConfigParser;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The validated {@code processes} section: a list of {@link ProcessGroupConfig process groups}.
 *
 * @param groups in the order configured; names are unique
 */
public record ProcessesConfig(List<ProcessGroupConfig> groups) {

  /** The section's key. */
  public static final String SECTION = "processes";

  /**
   * Copies {@code groups} (unmodifiable).
   *
   * @param groups in the order configured
   */
  public ProcessesConfig {
    groups = List.copyOf(groups);
  }

  /**
   * Reads and validates the {@code processes} section of a whole configuration (absent: no groups).
   *
   * @param root the whole configuration
   * @return the section, every group valid
   * @throws ConfigException naming the JSON path ({@code processes[1].stopLadder[0].signal}) and
   *     the rule of every problem found
   */
  public static ProcessesConfig from(JsonObject root) {
    return ConfigReader.readAll(root, ProcessesConfig::read);
  }

  /**
   * Reads the section from {@code root}, a reader of the whole configuration, recording every
   * problem there instead of throwing. The groups with problems are left out of the result.
   *
   * @param root a reader of the whole configuration, which collects the problems
   * @return the groups read without problems
   */
  public static ProcessesConfig read(ConfigReader root) {
    return new ProcessesConfig(ProcessesConfigParser.parse(root));
  }

  /**
   * The group of that name.
   *
   * @param name a group's name
   * @return the group, or empty if none has that name
   */
  public Optional<ProcessGroupConfig> group(String name) {
    return groups.stream().filter(g -> g.name().equals(name)).findFirst();
  }

  /**
   * Every signal some group wants passed on: the union of the groups' {@code propagate}.
   *
   * @return a new, modifiable set (empty when no group propagates a signal)
   */
  public Set<PosixSignal> signalsToPropagate() {
    Set<PosixSignal> out = EnumSet.noneOf(PosixSignal.class);
    groups.forEach(g -> out.addAll(g.propagate()));
    return out;
  }
}
