package dev.quiesce.process;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.ConfigSection;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * The {@code processes} section, found by the launcher through
 * {@code META-INF/services/dev.quiesce.config.ConfigSection}: defaults to no groups, validates every
 * group, and asks the signal bridge to catch every signal a group propagates.
 */
public final class ProcessesConfigSection extends ConfigSection {

  /** The section, as the {@link java.util.ServiceLoader} creates it. */
  public ProcessesConfigSection() {
    super(ProcessesConfig.SECTION, () -> new JsonObject().put(ProcessesConfig.SECTION, new JsonArray()),
        ProcessesConfig::read);
  }

  /**
   * The union of every group's {@code propagate}, in signal-number order. An invalid section gives what
   * can be read of it (validation reports the rest).
   */
  @Override
  public Set<PosixSignal> signalsToCatch(JsonObject config) {
    return ProcessesConfig.read(ConfigReader.root(config)).signalsToPropagate();
  }
}
