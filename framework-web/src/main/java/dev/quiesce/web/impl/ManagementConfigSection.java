package dev.quiesce.web.impl;

import dev.quiesce.config.ConfigSection;
import dev.quiesce.web.ManagementConfig;

/** Declares the {@code management} section to the launcher (defaults and validation). */
public final class ManagementConfigSection extends ConfigSection {

  public ManagementConfigSection() {
    super(ManagementConfig.SECTION, ManagementConfig::defaultsJson, ManagementConfig::read);
  }
}
