package dev.quiesce.config;

import dev.quiesce.config.impl.FileKinds;
import dev.quiesce.config.impl.JsonShape;
import dev.quiesce.config.impl.Overrides;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Loads the configuration from its sources, later ones winning, and validates it:
 * <ol>
 *   <li>the built-in defaults of every {@link ConfigSection} on the class path;</li>
 *   <li>a JSON or YAML file, read with vertx-config (vertx-config-yaml for YAML), its
 *       {@link ConfigFormat format} chosen by its extension ({@code .json}, {@code .yaml}, {@code .yml};
 *       any other is an error): the one named by {@code --config} (an error when it is missing), else
 *       {@code conf/config.json} when it exists;</li>
 *   <li>system properties {@code quiesce.<path>}, e.g. {@code -Dquiesce.lifecycle.shutdownTimeout=45s};</li>
 *   <li>environment variables {@code QUIESCE_<PATH>}, the path's parts separated by {@code _}
 *       and matched to the keys without regard to case, e.g. {@code QUIESCE_LIFECYCLE_SHUTDOWNTIMEOUT=45s}
 *       or {@code QUIESCE_PROCESSES_0_INSTANCES=3}.</li>
 * </ol>
 * Objects are merged key by key; arrays and plain values are replaced. Override values that
 * read as JSON numbers, booleans, arrays or objects are taken as such, anything else as a string.
 */
public final class ConfigLoader {

  /** The file read when no {@code --config} is given, if it exists. */
  public static final String DEFAULT_FILE = "conf/config.json";

  private final Vertx vertx;
  private final String file;
  private final boolean explicit;
  private final Map<String, String> env;
  private final Properties sys;
  private final List<ConfigSection> sections;

  /**
   * A loader of the sections found on the class path ({@link #discoverSections()}).
   *
   * @param vertx runs the blocking validation on a worker thread
   * @param file the {@code --config} path, or null for {@link #DEFAULT_FILE} (optional)
   * @param env the environment to read overrides from (usually {@code System.getenv()})
   * @param sys the system properties to read overrides from (usually {@code System.getProperties()})
   */
  public ConfigLoader(Vertx vertx, String file, Map<String, String> env, Properties sys) {
    this(vertx, file, env, sys, discoverSections());
  }

  /** With the given sections instead of those on the class path. */
  ConfigLoader(Vertx vertx, String file, Map<String, String> env, Properties sys, List<ConfigSection> sections) {
    this.vertx = vertx;
    this.explicit = file != null;
    this.file = file == null ? DEFAULT_FILE : file;
    this.env = Map.copyOf(env);
    this.sys = sys;
    this.sections = List.copyOf(sections);
  }

  /**
   * The sections found on the class path through {@link ServiceLoader}.
   *
   * @return a new list, in the order the service loader found them
   */
  public static List<ConfigSection> discoverSections() {
    List<ConfigSection> found = new ArrayList<>();
    ServiceLoader.load(ConfigSection.class).forEach(found::add);
    return found;
  }

  /**
   * The sections this loader validates.
   *
   * @return an unmodifiable list
   */
  public List<ConfigSection> sections() {
    return sections;
  }

  /**
   * The file this loader reads.
   *
   * @return the {@code --config} path, else {@link #DEFAULT_FILE} (which may not exist)
   */
  public Path file() {
    return Path.of(file);
  }

  /**
   * Reads every source, merges and validates. The sections are validated on a worker thread
   * ({@link Vertx#executeBlocking}), never on an event loop: a section may check the file system
   * (the {@code lifecycle} section checks that its {@code reportFile} can be written, for at most 2 s).
   *
   * @return the configuration; fails with a {@link ConfigException} naming the file or the JSON
   *     path of every problem (a missing {@code --config} file, an extension that is neither JSON nor
   *     YAML, malformed JSON, a YAML syntax error with its line and column, a bad value)
   */
  public Future<LoadedConfig> load() {
    List<String> sources = new ArrayList<>();
    JsonObject merged = new JsonObject();
    for (ConfigSection section : sections) {
      deepMerge(merged, section.defaults());
    }
    sources.add("defaults");
    return readFile().compose(fromFile -> {
      if (fromFile != null) {
        deepMerge(merged, fromFile);
        sources.add("file " + file);
      }
      ConfigReader problems = ConfigReader.root(merged);
      Overrides.applySystemProperties(merged, sys, sources, problems);
      Overrides.applyEnvironment(merged, env, sources, problems);
      problems.throwIfProblems();
      return vertx.executeBlocking(() -> new LoadedConfig(validate(merged), sources), false);
    });
  }

  /**
   * Validates a whole configuration against every section. Blocking for as long as the sections'
   * checks take (the report file's: at most 2 s): call it on a worker thread, as {@link #load()} does.
   *
   * @param config the whole merged configuration
   * @return {@code config} itself
   * @throws ConfigException naming the JSON path and the rule of every problem
   */
  public JsonObject validate(JsonObject config) {
    ConfigReader root = ConfigReader.root(config);
    for (ConfigSection section : sections) {
      try {
        section.validate(root);
      } catch (RuntimeException e) {
        root.problem(section.name(), "could not be validated: " + e);
      }
    }
    root.throwIfProblems();
    return config;
  }

  private Future<JsonObject> readFile() {
    Path path = Path.of(file);
    if (!Files.exists(path)) {
      return explicit
          ? Future.failedFuture(new ConfigException("", "--config " + file + ": no such file"))
          : Future.succeededFuture(null);
    }
    if (!Files.isRegularFile(path)) {
      // a FIFO would block the read, a device would be read as JSON: say what the path names instead
      return explicit
          ? Future.failedFuture(new ConfigException("", "--config " + file + " is " + FileKinds.describe(path)
              + ", not a file"))
          : Future.succeededFuture(null);
    }
    ConfigFormat format = ConfigFormat.of(path).orElse(null);
    if (format == null) {
      return Future.failedFuture(new ConfigException("", file + ": unknown configuration file extension; use one of "
          + ConfigFormat.accepted()));
    }
    ConfigStoreOptions store = new ConfigStoreOptions().setType("file").setFormat(format.storeFormat())
        .setConfig(new JsonObject().put("path", file));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions().addStore(store)
        .setScanPeriod(0));
    return retriever.getConfig()
        .eventually(() -> {
          retriever.close();
          return Future.succeededFuture();
        })
        .recover(err -> format == ConfigFormat.YAML ? emptyYamlOr(err) : Future.failedFuture(err))
        .recover(err -> (format == ConfigFormat.YAML ? Future.succeededFuture(describeYaml(err)) : explain(err))
            .compose(why -> Future.failedFuture(new ConfigException("", file + ": " + why))));
  }

  /**
   * A YAML file with no document (only comments, {@code ---} or {@code ~}) is an empty configuration, as
   * an empty file is; vertx-config-yaml fails on it (a null document), so a failed file is parsed again
   * with SnakeYAML's safe loader to tell that case from a real error, which is passed on.
   */
  private Future<JsonObject> emptyYamlOr(Throwable err) {
    return vertx.executeBlocking(() -> {
      try {
        if (new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(Path.of(file))) == null) {
          return new JsonObject();
        }
      } catch (RuntimeException | java.io.IOException notEmpty) {
        // described from the first failure
      }
      throw err instanceof Exception e ? e : new IllegalStateException(err);
    }, false);
  }

  /**
   * What is wrong with a YAML file: a syntax error with the line and column SnakeYAML stopped at
   * (counted from 1), or a top level that is not a mapping (vertx-config-yaml fails with a
   * {@link DecodeException} around a {@link ClassCastException} then).
   */
  private static String describeYaml(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
        Mark at = marked.getProblemMark();
        String context = marked.getContext() == null ? ""
            : " (" + marked.getContext() + (marked.getContextMark() == null ? ""
                : " that begins at line " + (marked.getContextMark().getLine() + 1)) + ")";
        return "not valid YAML at line " + (at.getLine() + 1) + ", column " + (at.getColumn() + 1) + ": "
            + marked.getProblem() + context;
      }
      if (t instanceof YAMLException) {
        return "not valid YAML: " + t.getMessage();
      }
      if (t instanceof DecodeException) {
        return "the top level must be a YAML mapping (key: value lines), not a list or a single value";
      }
    }
    return String.valueOf(err.getMessage());
  }

  /**
   * What is wrong with the file. vertx-config answers only "Failed to decode" for a file that is
   * valid JSON but not an object ({@code [...]}, {@code "text"}, {@code 42}, {@code null}), and names
   * a Jackson method when a string is longer than the parser allows: such a file is read again with
   * {@link JsonShape} to say what is wrong in the user's terms, rather than calling valid JSON invalid.
   */
  private Future<String> explain(Throwable err) {
    String described = describe(err);
    if (!described.startsWith("not valid JSON")) {
      return Future.succeededFuture(described);
    }
    return vertx.fileSystem().readFile(file).map(content -> JsonShape.whyNotAnObject(content.getBytes(), described))
        .otherwise(described);
  }

  private static String describe(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null && !(t instanceof DecodeException)) {
      t = t.getCause();
    }
    if (t instanceof DecodeException) {
      String message = String.valueOf(t.getMessage());
      if (message.contains("JsonObject") || message.contains("START_ARRAY") || message.contains("JsonArray")) {
        return "the top level must be a JSON object ({…}): " + message;
      }
      return "not valid JSON: " + message;
    }
    return String.valueOf(t.getMessage());
  }

  /**
   * Merges {@code from} into {@code into}: objects key by key, everything else replaced.
   *
   * @param into changed in place
   * @param from read only (its objects are copied, not shared)
   * @return {@code into}
   */
  public static JsonObject deepMerge(JsonObject into, JsonObject from) {
    for (String key : from.fieldNames()) {
      Object value = from.getValue(key);
      if (value instanceof JsonObject o && into.getValue(key) instanceof JsonObject existing) {
        deepMerge(existing, o);
      } else {
        into.put(key, value instanceof JsonObject o ? o.copy() : value);
      }
    }
    return into;
  }
}
