package dev.quiesce.web.impl;

import dev.quiesce.config.ConfigSection;
import dev.quiesce.web.HttpConfig;

/** Declares the {@code http} section to the launcher (defaults and validation). */
public final class HttpConfigSection extends ConfigSection {

  public HttpConfigSection() {
    super(HttpConfig.SECTION, HttpConfig::defaultsJson, HttpConfig::read);
  }
}
