package dev.quiesce.web.impl;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.ConfigSection;
import dev.quiesce.web.ManagementConfig;

/**
 * Declares the {@code management} section to the launcher (defaults and validation). Beyond the
 * rules of {@link ManagementConfig#read}, a loaded configuration (at start and at each reload) must
 * name a {@code tokenFile} and {@code tls} files that can be read and used ({@link ManagementFiles},
 * reading at most 5 s; {@link dev.quiesce.config.ConfigLoader#load()} runs it on a worker thread).
 */
public final class ManagementConfigSection extends ConfigSection {

  public ManagementConfigSection() {
    super(ManagementConfig.SECTION, ManagementConfig::defaultsJson, ManagementConfigSection::read);
  }

  private static ManagementConfig read(ConfigReader root) {
    int before = root.problems().size();
    ManagementConfig config = ManagementConfig.read(root);
    if (root.problems().size() == before) {
      ManagementFiles.read(config, root.object(ManagementConfig.SECTION));
    }
    return config;
  }
}
