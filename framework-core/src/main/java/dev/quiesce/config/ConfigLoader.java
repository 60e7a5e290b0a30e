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

/**
 * Loads the configuration from its sources, later ones winning, and validates it:
 * <ol>
 *   <li>the built-in defaults of every {@link ConfigSection} on the class path;</li>
 *   <li>a JSON file, read with vertx-config: the one named by {@code --config} (an error when
 *       it is missing), else {@code conf/config.json} when it exists;</li>
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

  /** The sections found on the class path through {@link ServiceLoader}. */
  public static List<ConfigSection> discoverSections() {
    List<ConfigSection> found = new ArrayList<>();
    ServiceLoader.load(ConfigSection.class).forEach(found::add);
    return found;
  }

  public List<ConfigSection> sections() {
    return sections;
  }

  /**
   * Reads every source, merges and validates. The sections are validated on a worker thread
   * ({@link Vertx#executeBlocking}), never on an event loop: a section may check the file system
   * (the {@code lifecycle} section checks that its {@code reportFile} can be written, for at most 2 s).
   *
   * @return the configuration; fails with a {@link ConfigException} naming the file or the JSON
   *     path of every problem (a missing {@code --config} file, malformed JSON, a bad value)
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
    ConfigStoreOptions store = new ConfigStoreOptions().setType("file").setFormat("json")
        .setConfig(new JsonObject().put("path", file));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions().addStore(store)
        .setScanPeriod(0));
    return retriever.getConfig()
        .eventually(() -> {
          retriever.close();
          return Future.succeededFuture();
        })
        .recover(err -> explain(err).compose(why -> Future.failedFuture(new ConfigException("", file + ": " + why))));
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

  /** Merges {@code from} into {@code into}: objects key by key, everything else replaced. */
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
