package dev.quiesce.lifecycle.impl;

import dev.quiesce.config.ConfigSection;
import dev.quiesce.lifecycle.LifecycleConfig;

/** The {@code lifecycle} section, found by the launcher through {@link java.util.ServiceLoader}. */
public final class LifecycleConfigSection extends ConfigSection {

  public LifecycleConfigSection() {
    super(LifecycleConfig.SECTION, LifecycleConfigParser::defaultsJson, LifecycleConfigParser::parse);
  }
}
