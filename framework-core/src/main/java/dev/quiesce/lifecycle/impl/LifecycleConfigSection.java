package dev.quiesce.lifecycle.impl;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.ConfigSection;
import dev.quiesce.lifecycle.LifecycleConfig;
import io.vertx.core.json.JsonObject;

/** The {@code lifecycle} section, found by the launcher through {@link java.util.ServiceLoader}. */
public final class LifecycleConfigSection implements ConfigSection {

  @Override
  public String name() {
    return LifecycleConfig.SECTION;
  }

  @Override
  public JsonObject defaults() {
    return LifecycleConfigParser.defaultsJson();
  }

  @Override
  public void validate(ConfigReader root) {
    LifecycleConfigParser.parse(root);
  }
}
