package dev.quiesce.lifecycle.impl;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.ConfigSection;
import dev.quiesce.lifecycle.LifecycleConfig;

/**
 * The {@code lifecycle} section, found by the launcher through {@link java.util.ServiceLoader}. Beyond
 * the rules of {@link LifecycleConfigParser}, a loaded configuration (at start and at each reload)
 * must name a {@code reportFile} that can be written: a report that cannot be written is refused
 * then, not found at the end of a stop. The check creates and deletes a file in the report's
 * directory on a thread of its own and gives up after 2 s (a hung mount is refused, saying so);
 * {@link dev.quiesce.config.ConfigLoader#load()} runs it on a worker thread, not an event loop.
 */
public final class LifecycleConfigSection extends ConfigSection {

  public LifecycleConfigSection() {
    super(LifecycleConfig.SECTION, LifecycleConfigParser::defaultsJson, LifecycleConfigSection::read);
  }

  private static LifecycleConfig read(ConfigReader root) {
    LifecycleConfig config = LifecycleConfigParser.parse(root);
    config.reportFile().map(ReportFile::whyNotWritable).ifPresent(why ->
        root.object(LifecycleConfig.SECTION).problem("reportFile", why));
    return config;
  }
}
