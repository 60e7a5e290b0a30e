package dev.quiesce.web.impl;

import dev.quiesce.config.ConfigException;
import dev.quiesce.launcher.VertxOptionsContributor;
import dev.quiesce.web.ManagementConfig;
import dev.quiesce.web.QuiesceMetrics;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

/**
 * Enables Micrometer metrics with a Prometheus registry when {@code management.enabled} and
 * {@code management.metricsEnabled} are true. Found by the launcher through
 * {@code META-INF/services/dev.quiesce.launcher.VertxOptionsContributor}.
 */
public final class MetricsContributor implements VertxOptionsContributor {

  @Override
  public void contribute(VertxOptions options, JsonObject config) {
    ManagementConfig management;
    try {
      management = ManagementConfig.from(config);
    } catch (ConfigException e) {
      return; // validation reports it; nothing to enable on an invalid section
    }
    if (management.enabled() && management.metricsEnabled()) {
      QuiesceMetrics.enable(options);
    }
  }
}
