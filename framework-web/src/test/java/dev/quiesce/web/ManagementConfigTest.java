package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.config.ConfigException;
import dev.quiesce.launcher.VertxOptionsContributor;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class ManagementConfigTest {

  @Test
  void defaultsBindLoopbackWithoutATokenAndWithMetrics() {
    ManagementConfig c = ManagementConfig.defaults();
    assertThat(c.enabled()).isTrue();
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8081);
    assertThat(c.token()).isEmpty();
    assertThat(c.metricsEnabled()).isTrue();
    assertThat(c.maxBodySize()).isEqualTo(4096);
    assertThat(ManagementConfig.from(ManagementConfig.defaultsJson())).isEqualTo(c);
  }

  @Test
  void aShortTokenIsAProblemThatNeverShowsTheToken() {
    assertThatThrownBy(() -> ManagementConfig.from(new JsonObject().put("management",
        new JsonObject().put("token", "abc123"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("management.token")
        .hasMessageNotContaining("abc123");
  }

  @Test
  void unknownKeysAndBadValuesNameTheirPath() {
    assertThatThrownBy(() -> ManagementConfig.from(new JsonObject().put("management",
        new JsonObject().put("tokn", "x").put("maxBodySize", -1).put("commandTimeout", "fast"))))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(p -> p.path())
            .containsExactlyInAnyOrder("management.tokn", "management.maxBodySize", "management.commandTimeout"));
  }

  @Test
  void toStringNeverShowsTheToken() {
    ManagementConfig c = ManagementConfig.from(new JsonObject().put("management",
        new JsonObject().put("token", "a-very-secret-token-1234")));
    assertThat(c.toString()).doesNotContain("a-very-secret").contains("token=<set>");
  }

  @Test
  void metricsContributorIsFoundAndEnablesMicrometerOnlyWhenAsked() {
    List<VertxOptionsContributor> contributors = ServiceLoader.load(VertxOptionsContributor.class).stream()
        .map(ServiceLoader.Provider::get).toList();
    assertThat(contributors).hasAtLeastOneElementOfType(dev.quiesce.web.impl.MetricsContributor.class);
    VertxOptionsContributor metrics = contributors.stream()
        .filter(c -> c instanceof dev.quiesce.web.impl.MetricsContributor).findFirst().orElseThrow();

    VertxOptions on = new VertxOptions();
    metrics.contribute(on, new JsonObject());
    assertThat(on.getMetricsOptions()).isInstanceOf(MicrometerMetricsOptions.class);
    assertThat(on.getMetricsOptions().isEnabled()).isTrue();

    VertxOptions off = new VertxOptions();
    metrics.contribute(off, new JsonObject().put("management", new JsonObject().put("metricsEnabled", false)));
    assertThat(off.getMetricsOptions() == null || !off.getMetricsOptions().isEnabled()).isTrue();
  }
}
