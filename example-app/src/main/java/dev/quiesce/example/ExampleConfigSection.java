package dev.quiesce.example;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.ConfigSection;
import io.vertx.core.json.JsonObject;

/** Makes the launcher validate the {@code example} section before anything starts (exit 78 on a problem). */
public final class ExampleConfigSection implements ConfigSection {

  @Override
  public String name() {
    return ExampleConfig.SECTION;
  }

  @Override
  public JsonObject defaults() {
    return ExampleConfig.defaultsJson();
  }

  @Override
  public void validate(ConfigReader root) {
    ExampleConfig.read(root);
  }
}
