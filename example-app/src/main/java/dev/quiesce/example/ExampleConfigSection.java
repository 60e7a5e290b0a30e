package dev.quiesce.example;

import dev.quiesce.config.ConfigSection;

/** Makes the launcher validate the {@code example} section before anything starts (exit 78 on a problem). */
public final class ExampleConfigSection extends ConfigSection {

  public ExampleConfigSection() {
    super(ExampleConfig.SECTION, ExampleConfig::defaultsJson, ExampleConfig::read);
  }
}
