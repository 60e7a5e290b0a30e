package dev.quiesce.web.impl;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.ConfigSection;
import dev.quiesce.web.HttpConfig;
import io.vertx.core.json.JsonObject;

/** Declares the {@code http} section to the launcher (defaults and validation). */
public final class HttpConfigSection implements ConfigSection {

  @Override
  public String name() {
    return HttpConfig.SECTION;
  }

  @Override
  public JsonObject defaults() {
    return HttpConfig.defaultsJson();
  }

  @Override
  public void validate(ConfigReader root) {
    HttpConfig.read(root);
  }
}
