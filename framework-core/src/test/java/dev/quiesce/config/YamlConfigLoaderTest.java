package dev.quiesce.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** YAML configuration files: the format chosen by the extension, the same document and the same errors as JSON. */
@ExtendWith(VertxExtension.class)
class YamlConfigLoaderTest {

  private static final String YAML = """
      # the same configuration as JSON below
      lifecycle:
        shutdownTimeout: 10s
        reloadTimeout: 3000
        phases:
          - name: drain
            timeout: 4s
          - name: close
            timeout: 1s
        signals:
          HUP: stop
      app:
        name: x
        ports: [8080, 8081]
        debug: false
      """;

  private static final String JSON = """
      {"lifecycle": {"shutdownTimeout": "10s", "reloadTimeout": 3000,
        "phases": [{"name": "drain", "timeout": "4s"}, {"name": "close", "timeout": "1s"}],
        "signals": {"HUP": "stop"}},
       "app": {"name": "x", "ports": [8080, 8081], "debug": false}}
      """;

  @TempDir
  Path dir;

  private Attempt load(Vertx vertx, String name, String content) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, content);
    return new Attempt(f, new ConfigLoader(vertx, f.toString(), Map.of(), new Properties()).load());
  }

  private record Attempt(Path file, Future<LoadedConfig> loaded) {
  }

  @Test
  void aYamlFileGivesTheSameValidatedDocumentAsTheSameJsonFile(Vertx vertx) throws Exception {
    LoadedConfig fromJson = Await.result(load(vertx, "config.json", JSON).loaded());
    for (String name : new String[] {"config.yaml", "config.yml", "CONFIG.YAML"}) {
      Attempt yaml = load(vertx, name, YAML);
      LoadedConfig fromYaml = Await.result(yaml.loaded());
      assertThat(fromYaml.config()).as(name).isEqualTo(fromJson.config());
      assertThat(fromYaml.sources()).containsExactly("defaults", "file " + yaml.file());
    }
  }

  @Test
  void aBadValueInYamlIsNamedWithTheSameJsonPathAsInJson(Vertx vertx) throws Exception {
    String yaml = YAML.replace("timeout: 1s", "timeout: 5 sec");
    Throwable failure = Await.failure(load(vertx, "config.yaml", yaml).loaded());
    assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining("lifecycle.phases[1].timeout: \"5 sec\" is not a duration");
    Throwable fromJson = Await.failure(load(vertx, "config.json", JSON.replace("\"1s\"", "\"5 sec\"")).loaded());
    assertThat(((ConfigException) failure).problems()).isEqualTo(((ConfigException) fromJson).problems());
  }

  @Test
  void aYamlSyntaxErrorNamesTheFileTheLineAndTheColumn(Vertx vertx) throws Exception {
    String broken = """
        lifecycle:
          shutdownTimeout: 10s
          reloadTimeout: [3s
        app:
          name: x
        """;
    Attempt f = load(vertx, "config.yaml", broken);
    assertThat(Await.failure(f.loaded())).isInstanceOf(ConfigException.class)
        .hasMessageContaining(f.file() + ": not valid YAML at line 4, column 4: expected ',' or ']'")
        .hasMessageContaining("that begins at line 3");

    Attempt tab = load(vertx, "tab.yml", "lifecycle:\n\tshutdownTimeout: 10s\n");
    assertThat(Await.failure(tab.loaded())).hasMessageContaining(tab.file() + ": not valid YAML at line 2");
  }

  @Test
  void aYamlTopLevelThatIsNotAMappingSaysSo(Vertx vertx) throws Exception {
    assertThat(Await.failure(load(vertx, "list.yaml", "- a\n- b\n").loaded()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("list.yaml: the top level must be a YAML mapping");
    assertThat(Await.failure(load(vertx, "text.yaml", "just text\n").loaded()))
        .hasMessageContaining("text.yaml: the top level must be a YAML mapping");
  }

  @Test
  void anEmptyOrCommentOnlyYamlFileIsTheDefaults(Vertx vertx) throws Exception {
    LoadedConfig defaults = Await.result(new ConfigLoader(vertx, null, Map.of(), new Properties()).load());
    assertThat(Await.result(load(vertx, "empty.yaml", "").loaded()).config()).isEqualTo(defaults.config());
    assertThat(Await.result(load(vertx, "comments.yaml", "# nothing yet\n").loaded()).config())
        .isEqualTo(defaults.config());
  }

  @Test
  void anUnknownExtensionIsAnErrorNamingTheAcceptedOnes(Vertx vertx) throws Exception {
    for (String name : new String[] {"config.conf", "config", "config.json5", "config.yaml.bak"}) {
      Attempt f = load(vertx, name, JSON);
      assertThat(Await.failure(f.loaded())).as(name).isInstanceOf(ConfigException.class)
          .hasMessageContaining(f.file() + ": unknown configuration file extension; use one of .json, .yaml, .yml");
    }
  }

  @Test
  void yamlTagsThatWouldBuildJavaObjectsAreRefused(Vertx vertx) throws Exception {
    Throwable failure = Await.failure(load(vertx, "config.yaml",
        "app: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1:1/\"]]]]\n")
        .loaded());
    assertThat(failure).isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML");
  }
}
