package dev.quiesce.process;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.ConfigSection;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code processes} section, found by the launcher through
 * {@code META-INF/services/dev.quiesce.config.ConfigSection}: defaults to no groups, validates every
 * group, and asks the signal bridge to catch every signal a group propagates.
 */
public final class ProcessesConfigSection extends ConfigSection {

  public ProcessesConfigSection() {
    super(ProcessesConfig.SECTION, () -> new JsonObject().put(ProcessesConfig.SECTION, new JsonArray()),
        ProcessesConfig::read);
  }

  /**
   * The union of every group's {@code propagate}, as signal names. An invalid section gives what
   * can be read of it (validation reports the rest).
   */
  @Override
  public Set<String> signalsToCatch(JsonObject config) {
    Set<String> out = new TreeSet<>();
    ProcessesConfig.read(ConfigReader.root(config)).signalsToPropagate().forEach(s -> out.add(s.name()));
    return out;
  }
}
