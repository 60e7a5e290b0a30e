package dev.quiesce.web.impl;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.ConfigSection;
import dev.quiesce.web.ManagementConfig;
import io.vertx.core.json.JsonObject;

/** Declares the {@code management} section to the launcher (defaults and validation). */
public final class ManagementConfigSection implements ConfigSection {

  @Override
  public String name() {
    return ManagementConfig.SECTION;
  }

  @Override
  public JsonObject defaults() {
    return ManagementConfig.defaultsJson();
  }

  @Override
  public void validate(ConfigReader root) {
    ManagementConfig.read(root);
  }
}
