package dev.quiesce.launcher.impl;

import dev.quiesce.config.ConfigSection;
import dev.quiesce.launcher.UpgradeConfig;

/** The {@code upgrade} section, found by the launcher through {@link java.util.ServiceLoader}. */
public final class UpgradeConfigSection extends ConfigSection {

  public UpgradeConfigSection() {
    super(UpgradeConfig.SECTION, UpgradeConfig::defaultsJson, UpgradeConfig::read);
  }
}
