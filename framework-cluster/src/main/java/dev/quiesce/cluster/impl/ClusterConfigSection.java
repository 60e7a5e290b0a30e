package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.ClusterConfig;
import dev.quiesce.config.ConfigSection;

/** Declares the {@code cluster} section to the launcher (defaults and validation). */
public final class ClusterConfigSection extends ConfigSection {

  public ClusterConfigSection() {
    super(ClusterConfig.SECTION, ClusterConfig::defaultsJson, ClusterConfig::read);
  }
}
