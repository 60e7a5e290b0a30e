package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigLoader;
import dev.quiesce.config.ConfigProblem;
import dev.quiesce.config.ConfigSection;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code docs/config.schema.json} against the validator it describes (every {@link ConfigSection} on the
 * example's class path, which has every module's):
 * <ul>
 *   <li>it is a valid draft 2020-12 schema;</li>
 *   <li>every example configuration (example-app/conf, and the configuration snippets of the READMEs and
 *       docs) is valid for both;</li>
 *   <li>at the edge of each rule (spellings of signals and durations, readiness and health kinds, null as
 *       the default) both give the same verdict;</li>
 *   <li>the schema names exactly the keys each section's reader accepts, and the sections' defaults.</li>
 * </ul>
 * {@link ConfigSchemaCorpusIT} compares the two on the thousands of mutants of the configuration corpus.
 */
@ExtendWith(VertxExtension.class)
class ConfigSchemaTest {

  static final Path SCHEMA_FILE = Path.of("../docs/config.schema.json");
  /** A key no section has and none is close to, so the reader lists the keys it knows. */
  private static final String UNKNOWN_KEY = "zzzzzzzzzzzzzzzzzzzzzzzz";
  /** What a problem of the file system, not of the text, says. */
  private static final Pattern FILE_FACTS = Pattern.compile(
      "cannot|could not|no such file|is a directory|is not a directory|is larger than|is not a PEM|the token in ");
  private static final Pattern KNOWN_KEYS = Pattern.compile("is not a known key; known keys are \\[(.*)\\]");

  private static Vertx vertx;

  /** The one Vert.x of the class, made and closed by {@link VertxExtension}. */
  @BeforeAll
  static void keepVertx(Vertx made) {
    vertx = made;
  }

  // ---------------------------------------------------------------- what a JSON Schema cannot say

  /**
   * A rule of the validator that the schema does not state: a mutant the validator refuses and the schema
   * accepts is explained when every problem the validator names is one of these.
   */
  enum Difference {
    DURATION_TEXT_RANGE("a duration written as text outside its key's range (\"5ms\" where 10ms is the least, \"2h\""
        + " where 1h is the most, past 366 days): the schema checks the text's form, and the range of a number of"
        + " milliseconds", (p, v) -> v instanceof String && (p.message().contains("is out of range; it must be between")
            || p.message().contains("is too long; a duration is at most 366 days"))),
    UNIQUE_NAMES("phase and group names are unique: JSON Schema's uniqueItems compares whole items, not one key",
        (p, v) -> p.message().contains("is used by an earlier phase") || p.message().contains("is already the name of")),
    GROUP_REFERENCES("dependsOn names a group of the same file and makes no cycle: a reference to another value",
        (p, v) -> p.message().contains("is not the name of a group") || p.message().contains("closes a cycle")),
    KILL_LAST("KILL is the last step of a stopLadder: a rule on an item's position",
        (p, v) -> p.message().contains("KILL must be the last step")),
    PORT_PER_INSTANCE("tcpPort (or httpGet's port) + instances - 1 is at most 65535: arithmetic across keys",
        (p, v) -> p.message().contains("leaves no port for the last instance")),
    ANNOUNCE_BUDGET("http.preStopDelay fits the announce phase's budget: arithmetic across sections",
        (p, v) -> p.message().contains("is longer than the announce phase can wait")),
    RESTART_MAX("restart.max is not shorter than restart.initial: a comparison of two durations",
        (p, v) -> p.message().contains("is shorter than initial")),
    REGULAR_EXPRESSION("ready.logLine compiles as a Java regular expression: the schema marks it format \"regex\""
        + " for editors, whose ECMA-262 expressions are not Java's",
        (p, v) -> p.message().contains("is not a valid regular expression")),
    URL("health.httpGet parses as a URI with a host (java.net.URI): the schema checks http://, no fragment",
        (p, v) -> p.path().endsWith(".httpGet") && (p.message().contains("is not a URL")
            || p.message().contains("is not an http:// URL"))),
    IP_LITERAL("an IPv6 literal that java.net.InetAddress parses: the schema checks its characters",
        (p, v) -> p.message().contains("is not a host name or an IP address") && v instanceof String s
            && s.indexOf(':') >= 0),
    SERVER_OPTIONS("http.serverOptions is what Vert.x's HttpServerOptions accepts: another library's schema",
        (p, v) -> p.message().contains("is not valid Vert.x HttpServerOptions")),
    LOOPBACK_LITERAL("a control token without management.tls needs a loopback host: whether an IP literal is a"
        + " loopback address is java.net.InetAddress's call; the schema lets localhost, 127.* and IPv6 literals through",
        (p, v) -> p.path().equals("management.host") && p.message().contains("is not a loopback address")
            && v instanceof String s && (s.startsWith("127.") || s.indexOf(':') >= 0)),
    FILE_SYSTEM("a file the configuration names (lifecycle.reportFile, any other ...File key) can be written or"
        + " read: a fact of the file system when the configuration is loaded", (p, v) -> p.path().endsWith("File")
            && FILE_FACTS.matcher(p.message()).find());

    final String why;
    final BiPredicate<ConfigProblem, Object> explains;

    Difference(String why, BiPredicate<ConfigProblem, Object> explains) {
      this.why = why;
      this.explains = explains;
    }

    /** The difference that explains {@code problem} of a configuration whose value there is {@code value}, or null. */
    static Difference of(ConfigProblem problem, Object value) {
      return Stream.of(values()).filter(d -> d.explains.test(problem, value)).findFirst().orElse(null);
    }
  }

  // ---------------------------------------------------------------- the tests

  @Test
  void theSchemaIsAValidDraft202012Schema() {
    SchemaRepository repository = SchemaRepository.create(options()).preloadMetaSchema(vertx.fileSystem());
    OutputUnit result = repository.validator(Draft.DRAFT202012.getIdentifier()).validate(schemaJson());
    assertThat(result.getValid()).as("%s", result.getErrors()).isTrue();
  }

  /**
   * The shipped configuration and every configuration snippet of the docs: valid for the schema and the
   * validator (but for the files a snippet names, which need not exist on this machine).
   */
  @Test
  void everyExampleConfigurationIsValidForBoth() throws Exception {
    Validator schema = validator(schemaJson());
    Map<String, JsonObject> examples = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(Path.of("conf"))) {
      for (Path f : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        examples.put(f.toString(), new JsonObject(Files.readString(f)));
      }
    }
    examples.putAll(snippets());
    assertThat(examples.keySet().stream().filter(k -> k.contains(".md ")).count()).as("snippets in the docs: %s",
        examples.keySet()).isGreaterThanOrEqualTo(3);
    ConfigLoader loader = loader();
    for (Map.Entry<String, JsonObject> e : examples.entrySet()) {
      OutputUnit result = schema.validate(e.getValue());
      assertThat(result.getValid()).as("%s against the schema: %s", e.getKey(), result.getErrors()).isTrue();
      try {
        loader.validate(withDefaults(loader, e.getValue()));
      } catch (ConfigException refused) {
        // a snippet may name files of another machine (/etc/..., /run/secrets/...)
        assertThat(refused.problems()).as("%s for the validator", e.getKey())
            .allMatch(p -> Difference.of(p, null) == Difference.FILE_SYSTEM);
      }
    }
    System.out.printf("config schema: %d example configurations valid for the schema and the validator: %s%n",
        examples.size(), examples.keySet());
  }

  /** One configuration of {@link #theSchemaAndTheValidatorAgreeAtTheEdgeOfEachRule}: the shipped one with changes. */
  record Edge(String what, boolean accepted, List<Object> changes) {
  }

  private static Edge accepted(String what, Object... pathsAndValues) {
    return new Edge(what, true, List.of(pathsAndValues));
  }

  private static Edge refused(String what, Object... pathsAndValues) {
    return new Edge(what, false, List.of(pathsAndValues));
  }

  private static final Object NULL = new Object();

  /**
   * The edges of the rules the corpus's random values rarely reach (spellings of signals and durations,
   * readiness and health kinds, the stop ladder, null as the default): the validator gives the stated
   * verdict, and the schema the same one.
   */
  @Test
  void theSchemaAndTheValidatorAgreeAtTheEdgeOfEachRule() throws Exception {
    JsonObject ladder = new JsonObject().put("signal", "INT").put("wait", "1s");
    List<Edge> edges = List.of(
        accepted("a signal in lower case with SIG", "processes[0].stopSignal", "sigterm"),
        accepted("a signal with blanks around it", "processes[0].stopSignal", " SIGINT "),
        refused("a signal that suspends", "processes[0].stopSignal", "STOP"),
        refused("a blank inside a signal name", "processes[0].stopSignal", "SIG TERM"),
        accepted("KILL as the stop signal", "processes[0].stopSignal", "KILL"),
        accepted("a catchable signal mapped", "lifecycle.signals", new JsonObject().put("sigusr1", "upgrade")),
        refused("a signal the JVM keeps", "lifecycle.signals", new JsonObject().put("QUIT", "stop")),
        refused("an action in the wrong case", "lifecycle.signals", new JsonObject().put("TERM", "Stop")),
        accepted("a mapping removed with null", "lifecycle.signals", new JsonObject().putNull("HUP")),
        accepted("reload by a signal, spelled loosely", "processes[1].reload", "signal: hup"),
        refused("reload by KILL", "processes[1].reload", "signal:KILL"),
        refused("reload's prefix in the wrong case", "processes[1].reload", "Signal:HUP"),
        accepted("a duration in upper case with blanks", "lifecycle.shutdownTimeout", " 5S "),
        refused("a duration with a blank inside", "lifecycle.shutdownTimeout", "5 s"),
        refused("a zero deadline", "lifecycle.shutdownTimeout", "0s"),
        accepted("a duration as a whole number written with a fraction", "lifecycle.shutdownTimeout", 5000.0),
        refused("a deadline of 24h and 1ms as a number", "lifecycle.shutdownTimeout", 86_400_001),
        refused("a fractional duration", "lifecycle.shutdownTimeout", 2.5),
        accepted("null for the default", "http.port", NULL),
        accepted("a whole section null", "management", NULL),
        refused("a required key null", "processes[0].name", NULL),
        refused("notify with a delay", "processes[2].ready", new JsonObject().put("notify", true).put("delay", "1s")),
        refused("notify false", "processes[2].ready", new JsonObject().put("notify", false)),
        refused("two readiness checks", "processes[0].ready", new JsonObject().put("logLine", "x").put("tcpPort", 9000)),
        refused("a readiness host without tcpPort", "processes[0].ready", new JsonObject().put("logLine", "x")
            .put("host", "127.0.0.1")),
        accepted("a readiness port on an IPv6 host", "processes[0].ready", new JsonObject().put("tcpPort", 9000)
            .put("host", "::1")),
        refused("a logLine without output log", "processes[0].output", "inherit"),
        accepted("output inherit with a delay", "processes[0].output", "inherit", "processes[0].ready",
            new JsonObject().put("delay", "1s")),
        refused("a watchdog with a timeout", "processes[2].health", new JsonObject().put("watchdog", "4s")
            .put("timeout", "1s")),
        refused("two health probes", "processes[2].health", new JsonObject().put("watchdog", "4s").put("tcpPort", 9000)),
        refused("health timing without a probe", "processes[2].health", new JsonObject().put("interval", "5s")),
        accepted("an http URL in upper case", "processes[2].health", new JsonObject().put("httpGet",
            "HTTP://127.0.0.1:9300/health")),
        refused("an https URL", "processes[2].health", new JsonObject().put("httpGet", "https://127.0.0.1/health")),
        refused("a URL with a fragment", "processes[2].health", new JsonObject().put("httpGet",
            "http://127.0.0.1/health#x")),
        refused("a ladder with stopSignal", "processes[0].stopLadder", new JsonArray().add(ladder)),
        accepted("a ladder ending in KILL without wait", "processes[0].stopSignal", NULL, "processes[0].stopTimeout",
            NULL, "processes[0].stopLadder", new JsonArray().add(ladder).add(new JsonObject().put("signal", "KILL"))),
        refused("a ladder step without wait", "processes[0].stopSignal", NULL, "processes[0].stopTimeout", NULL,
            "processes[0].stopLadder", new JsonArray().add(new JsonObject().put("signal", "INT"))),
        refused("a host with a blank", "http.host", "a b"),
        accepted("an IPv6 host in brackets", "http.host", "[::1]"),
        refused("a short token", "management.token", "short"),
        refused("a token with blanks", "management.token", "sixteen chars and spaces"),
        refused("a final event without a blank line", "http.sseFinalEvent", "data: x\n"),
        accepted("no final event", "http.sseFinalEvent", ""),
        refused("a phase name in capitals", "lifecycle.phases", new JsonArray().add(new JsonObject().put("name", "Drain")
            .put("timeout", "1s"))),
        refused("a reserved phase name", "lifecycle.phases", new JsonArray().add(new JsonObject().put("name", "reload")
            .put("timeout", "1s"))),
        refused("a phase without timeout", "lifecycle.phases", new JsonArray().add(new JsonObject().put("name", "drain"))),
        refused("a variable name with '='", "processes[0].env", new JsonObject().put("A=B", "1")),
        refused("a command as a string", "processes[0].command", "sh worker.sh"),
        refused("a blank program", "processes[0].command", new JsonArray().add(" ").add("x")),
        refused("an unknown restart policy", "processes[0].restart", new JsonObject().put("policy", "sometimes")),
        accepted("a restart policy alone", "processes[0].restart", "always"),
        refused("an empty successor command", "upgrade.command", new JsonArray()),
        accepted("a successor command", "upgrade.command", new JsonArray().add("java").add("-jar").add("v2.jar")),
        refused("an upgrade mode in capitals", "processes[0].upgrade", "Exclusive"),
        accepted("an exclusive group", "processes[0].upgrade", "exclusive"),
        refused("a dependency listed twice", "processes[0].dependsOn", new JsonArray().add("cache").add("cache")),
        accepted("$schema for an editor", "$schema", "../docs/config.schema.json"),
        refused("a typo in a section", "http.prot", 8080),
        accepted("an application's own section", "myapp", new JsonObject().put("anything", 1)),
        refused("a token on every interface without TLS", "management.host", "0.0.0.0"),
        accepted("a token on every interface, plain text allowed", "management.host", "0.0.0.0",
            "management.allowPlainText", true),
        refused("a token and a token file", "management.tokenFile", "/run/secrets/token"),
        refused("client certificates without a trust file", "management.tls", new JsonObject().put("keyFile", "k.pem")
            .put("certFile", "c.pem").put("clientAuth", "required")),
        refused("a TLS object without its key", "management.tls", new JsonObject().put("certFile", "c.pem")),
        refused("watchConfig as text", "lifecycle.watchConfig", "yes"),
        refused("a debounce past a minute", "lifecycle.watchConfigDebounce", 60_001),
        accepted("a cluster with members by address, IPv6 and name", "cluster", new JsonObject().put("enabled", true)
            .put("members", new JsonArray().add("127.0.0.1:5702").add("[::1]:5703").add("node-3.example:65535"))),
        refused("a cluster bound to every address", "cluster.host", "0.0.0.0"),
        refused("a cluster bound to every IPv6 address", "cluster.host", "::"),
        refused("a member without a port", "cluster.members", new JsonArray().add("127.0.0.1")),
        refused("a member on port 0", "cluster.members", new JsonArray().add("127.0.0.1:0")),
        refused("a member past port 65535", "cluster.members", new JsonArray().add("127.0.0.1:65536")),
        refused("a member with a blank", "cluster.members", new JsonArray().add("node 2:5701")),
        refused("a blank cluster name", "cluster.name", " "),
        refused("a cluster port 0", "cluster.port", 0),
        refused("multicast as text", "cluster.multicast", "no"));
    Validator schema = validator(schemaJson());
    JsonObject base = new JsonObject(Files.readString(Path.of("conf/config.json")));
    ConfigLoader loader = loader();
    List<String> wrong = new ArrayList<>();
    for (Edge edge : edges) {
      JsonObject config = base.copy();
      for (int i = 0; i < edge.changes().size(); i += 2) {
        Object value = edge.changes().get(i + 1);
        put(config, (String) edge.changes().get(i), value == NULL ? null : value);
      }
      String problems = "";
      try {
        loader.validate(withDefaults(loader, config));
      } catch (ConfigException e) {
        problems = e.problems().toString();
      }
      OutputUnit result = schema.validate(config);
      if (problems.isEmpty() != edge.accepted()) {
        wrong.add(edge.what() + ": the validator " + (problems.isEmpty() ? "accepted it" : "refused it: " + problems));
      }
      if (result.getValid() != edge.accepted()) {
        wrong.add(edge.what() + ": the schema " + (result.getValid() ? "accepted it" : "refused it: "
            + result.getErrors().stream().map(u -> u.getInstanceLocation() + " " + u.getError()).limit(4).toList()));
      }
    }
    assertThat(wrong).as("verdicts other than the stated one").isEmpty();
    System.out.printf("config schema: %d edges of the rules, the same verdict from the schema and the validator%n",
        edges.size());
  }

  /**
   * Every object the schema closes ({@code additionalProperties: false}) has exactly the keys its reader
   * accepts: an unknown key put there makes the reader list the keys it knows; and the top-level sections
   * are the {@link ConfigSection}s on the class path.
   */
  @Test
  void theSchemaNamesEveryKeyTheValidatorAccepts() throws Exception {
    Map<String, String> differences = keyDifferences(schemaJson());
    assertThat(differences).as("objects whose keys differ between the schema and the validator").isEmpty();
  }

  /** The key comparison can fail: a schema without {@code http.port}, and with a key no reader has, is caught. */
  @Test
  void aSchemaThatMissesOrInventsAKeyIsCaught() throws Exception {
    JsonObject schema = schemaJson();
    JsonObject http = schema.getJsonObject("properties").getJsonObject("http").getJsonObject("properties");
    http.remove("port");
    http.put("portt", new JsonObject().put("type", "integer"));
    assertThat(keyDifferences(schema)).containsKey("http")
        .hasEntrySatisfying("http", d -> assertThat(d).contains("port").contains("portt"));
  }

  /** The schema's {@code default} of each key is the section's own default. */
  @Test
  void theSchemaStatesTheSectionsDefaults() {
    JsonObject schema = schemaJson();
    List<String> wrong = new ArrayList<>();
    int checked = 0;
    for (ConfigSection section : ConfigLoader.discoverSections()) {
      checked += compareDefaults(section.defaults(), schema, "", wrong);
    }
    assertThat(wrong).as("keys whose default differs (schema vs section)").isEmpty();
    assertThat(checked).isGreaterThan(30);
  }

  // ---------------------------------------------------------------- the keys

  /**
   * For each object the schema closes, the keys the schema names and those its reader accepts, where they
   * differ (by the object's JSON path); the top level compared with the sections on the class path.
   */
  private Map<String, String> keyDifferences(JsonObject schema) throws IOException {
    Map<String, String> out = new TreeMap<>();
    Set<String> sections = ConfigLoader.discoverSections().stream().map(ConfigSection::name)
        .collect(Collectors.toCollection(TreeSet::new));
    Set<String> topLevel = new TreeSet<>(schema.getJsonObject("properties").fieldNames());
    topLevel.remove("$schema");
    if (!topLevel.equals(sections)) {
      out.put("(top level)", "schema " + topLevel + ", sections " + sections);
    }
    Map<String, Set<String>> closed = new TreeMap<>();
    closedObjects(schema, schema, "", closed);
    assertThat(closed).as("objects the schema closes").hasSizeGreaterThanOrEqualTo(10);
    JsonObject base = ConfigurationCorpusIT.withEveryHealthProbe(new JsonObject(Files.readString(Path.of(
        "conf/config.json"))));
    ConfigLoader loader = loader();
    closed.forEach((path, keys) -> {
      JsonObject config = base.copy();
      put(config, path, new JsonObject().put(UNKNOWN_KEY, 1));
      Set<String> known = null;
      try {
        loader.validate(withDefaults(loader, config));
      } catch (ConfigException e) {
        for (ConfigProblem p : e.problems()) {
          Matcher m = KNOWN_KEYS.matcher(p.message());
          if (p.path().equals(path + "." + UNKNOWN_KEY) && m.find()) {
            known = new TreeSet<>(Arrays.asList(m.group(1).split(", ")));
          }
        }
      }
      if (known == null) {
        out.put(path, "the validator did not refuse the unknown key " + UNKNOWN_KEY + " there");
      } else if (!known.equals(keys)) {
        Set<String> missing = new TreeSet<>(known);
        missing.removeAll(keys);
        Set<String> extra = new TreeSet<>(keys);
        extra.removeAll(known);
        out.put(path, "the schema lacks " + missing + " and names " + extra + " that the validator refuses");
      }
    });
    return out;
  }

  /** The JSON paths of the objects of {@code node} that the schema closes, with the keys it names there. */
  private static void closedObjects(JsonObject schema, Object node, String path, Map<String, Set<String>> into) {
    if (!(node instanceof JsonObject s)) {
      return;
    }
    if (s.getValue("$ref") instanceof String ref && ref.startsWith("#/$defs/")) {
      closedObjects(schema, schema.getJsonObject("$defs").getValue(ref.substring("#/$defs/".length())), path, into);
    }
    if (Boolean.FALSE.equals(s.getValue("additionalProperties")) && s.getValue("properties") instanceof JsonObject p) {
      into.put(path, new TreeSet<>(p.fieldNames()));
    }
    if (s.getValue("properties") instanceof JsonObject p) {
      p.forEach(e -> closedObjects(schema, e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), into));
    }
    if (s.getValue("items") instanceof JsonObject items) {
      closedObjects(schema, items, path + "[0]", into);
    }
    for (String alternatives : List.of("anyOf", "oneOf", "allOf")) {
      if (s.getValue(alternatives) instanceof JsonArray a) {
        a.forEach(alternative -> closedObjects(schema, alternative, path, into));
      }
    }
  }

  /** Puts {@code value} at a JSON path of {@code root}, making the objects and arrays on the way. */
  private static void put(JsonObject root, String path, Object value) {
    List<Object> parts = new ArrayList<>();
    Matcher m = Pattern.compile("([^.\\[\\]]+)|\\[(\\d+)\\]").matcher(path);
    while (m.find()) {
      parts.add(m.group(1) != null ? m.group(1) : (Object) Integer.parseInt(m.group(2)));
    }
    Object node = root;
    for (int i = 0; i < parts.size(); i++) {
      Object part = parts.get(i);
      boolean last = i == parts.size() - 1;
      Object next = last ? value : parts.get(i + 1) instanceof Integer ? new JsonArray() : new JsonObject();
      if (node instanceof JsonObject o) {
        String key = (String) part;
        if (last || !(o.getValue(key) instanceof JsonObject || o.getValue(key) instanceof JsonArray)) {
          o.put(key, next);
        }
        node = o.getValue(key);
      } else {
        JsonArray a = (JsonArray) node;
        int index = (Integer) part;
        while (a.size() <= index) {
          a.add(new JsonObject());
        }
        if (last || !(a.getValue(index) instanceof JsonObject || a.getValue(index) instanceof JsonArray)) {
          a.set(index, next);
        }
        node = a.getValue(index);
      }
    }
  }

  // ---------------------------------------------------------------- defaults

  /** Compares each value of a section's defaults with the schema's {@code default} there; returns how many. */
  private static int compareDefaults(JsonObject defaults, JsonObject schema, String path, List<String> wrong) {
    int checked = 0;
    for (String key : defaults.fieldNames()) {
      String at = path.isEmpty() ? key : path + "." + key;
      Object value = defaults.getValue(key);
      JsonObject property = schema.getJsonObject("properties") == null ? null
          : schema.getJsonObject("properties").getJsonObject(key);
      if (property == null) {
        wrong.add(at + ": not in the schema");
      } else if (value instanceof JsonObject o && property.getValue("properties") instanceof JsonObject
          && !at.equals("lifecycle.signals")) {
        checked += compareDefaults(o, property, at, wrong);
      } else if (!property.containsKey("default")) {
        wrong.add(at + ": no default in the schema (the section's is " + value + ")");
      } else {
        checked++;
        Object stated = property.getValue("default");
        boolean same = value instanceof Number n && stated instanceof Number s ? n.doubleValue() == s.doubleValue()
            : java.util.Objects.equals(value, stated);
        if (!same) {
          wrong.add(at + ": " + stated + " in the schema, " + value + " in the section");
        }
      }
    }
    return checked;
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The configuration snippets of the READMEs and the docs: JSON and YAML blocks whose top-level keys
   * are all sections (or {@code $schema}).
   */
  private static Map<String, JsonObject> snippets() throws IOException {
    Set<String> sections = ConfigLoader.discoverSections().stream().map(ConfigSection::name)
        .collect(Collectors.toSet());
    List<Path> docs = new ArrayList<>(List.of(Path.of("../README.md"), Path.of("../framework-web/README.md"),
        Path.of("../process-manager/README.md"), Path.of("../framework-core/README.md")));
    try (Stream<Path> files = Files.list(Path.of("../docs"))) {
      files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    Map<String, JsonObject> out = new LinkedHashMap<>();
    Pattern block = Pattern.compile("```(json|yaml)\\n(.*?)```", Pattern.DOTALL);
    for (Path doc : docs) {
      if (!Files.exists(doc)) {
        continue;
      }
      String text = Files.readString(doc);
      Matcher m = block.matcher(text);
      int n = 0;
      while (m.find()) {
        n++;
        JsonObject json;
        try {
          json = m.group(1).equals("json") ? new JsonObject(m.group(2)) : yaml(m.group(2));
        } catch (DecodeException | IllegalArgumentException e) {
          continue; // an excerpt, not a document
        }
        boolean configuration = json.fieldNames().stream().allMatch(k -> sections.contains(k) || k.equals("$schema"));
        if (!json.isEmpty() && configuration) {
          long line = text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
          out.put(doc.normalize() + " block " + n + " (line " + line + ")", json);
        }
      }
    }
    return out;
  }

  /** A YAML block as the JSON document the loader makes of it (SnakeYAML's safe loader, as vertx-config-yaml). */
  private static JsonObject yaml(String text) {
    Object doc;
    try {
      doc = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(
          new org.yaml.snakeyaml.LoaderOptions())).load(text);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(e);
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("not a mapping");
    }
    return new JsonObject(io.vertx.core.json.Json.encode(map));
  }

  private static ConfigLoader loader() {
    return new ConfigLoader(vertx, null, Map.of(), new Properties());
  }

  /** The sections' defaults with {@code config} merged over them, as {@link ConfigLoader#load()} merges a file. */
  private static JsonObject withDefaults(ConfigLoader loader, JsonObject config) {
    JsonObject merged = new JsonObject();
    loader.sections().forEach(s -> ConfigLoader.deepMerge(merged, s.defaults()));
    return ConfigLoader.deepMerge(merged, config.copy());
  }

  static JsonObject schemaJson() {
    try {
      return new JsonObject(Files.readString(SCHEMA_FILE));
    } catch (IOException e) {
      throw new AssertionError("cannot read " + SCHEMA_FILE.toAbsolutePath(), e);
    }
  }

  private static JsonSchemaOptions options() {
    return new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("urn:quiesce:")
        .setOutputFormat(OutputFormat.Basic);
  }

  static Validator validator(JsonObject schema) {
    return Validator.create(JsonSchema.of(schema), options());
  }
}
