package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigLoader;
import dev.quiesce.config.ConfigProblem;
import dev.quiesce.config.LoadedConfig;
import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.process.ProcessesConfig;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.ProcFs;
import dev.quiesce.testing.Timing;
import dev.quiesce.web.HttpConfig;
import dev.quiesce.web.ManagementConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generated corpus of mutated configurations, each read as the launcher reads it (a file, through
 * {@link ConfigLoader#load()}: vertx-config, the defaults of every section on the class path, and
 * every section's validation, the example's own included). Each mutant is either accepted (and then
 * every typed section reads it without an exception) or rejected with a {@link ConfigException}
 * whose problems name JSON paths (or, for a file that is not JSON, the file), never another
 * exception, never a hang. A handful of the rejected files then go through the real fat jar: exit
 * 78, with no port bound and no child spawned.
 */
@Tag("slow")
class ConfigurationCorpusIT {

  static final long SEED = 20261207L;
  private static final Duration PER_CASE = Duration.ofSeconds(10);
  /** The fewest mutants of the sections new in issue 13 ({@link Corpus#NEW_IN_ISSUE_13}). */
  private static final int NEW_SECTION_MUTANTS = 200;

  @TempDir
  Path dir;

  private Vertx vertx;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** One mutated configuration: the text of its file, what was done, and where (a JSON path, or null). */
  record Mutant(String what, String path, String text) {
  }

  /** What reading one mutant gave. */
  record Outcome(Mutant mutant, LoadedConfig accepted, ConfigException rejected, Throwable other, long ms) {
  }

  @Test
  void everyMutatedConfigurationIsAcceptedOrRejectedNamingAJsonPath() throws Exception {
    JsonObject base = withEveryHealthProbe(new JsonObject(Files.readString(Path.of("conf/config.json"))));
    List<Mutant> corpus = new Corpus(base, new Random(SEED)).build();
    assertThat(corpus).hasSizeGreaterThanOrEqualTo(1000);
    long newSections = corpus.stream().filter(m -> Corpus.isNewInIssue13(m.path())).count();
    assertThat(newSections).as("mutants aimed at the sections new in issue 13 (%s)", Corpus.NEW_IN_ISSUE_13)
        .isGreaterThanOrEqualTo(NEW_SECTION_MUTANTS);

    int accepted = 0;
    int rejected = 0;
    long slowest = 0;
    Map<String, Integer> byKind = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < corpus.size(); i++) {
      Outcome o = read(corpus.get(i), i);
      slowest = Math.max(slowest, o.ms());
      String kind = o.mutant().what().split(" ")[0];
      String problem = check(o);
      if (problem != null) {
        failures.add("#" + i + " " + o.mutant().what() + " at " + o.mutant().path() + ": " + problem);
      } else if (o.accepted() != null) {
        accepted++;
        byKind.merge(kind + " accepted", 1, Integer::sum);
      } else {
        rejected++;
        byKind.merge(kind + " rejected", 1, Integer::sum);
      }
    }
    System.out.printf("configuration corpus: %d mutants (%d of the sections new in issue 13), %d accepted, %d"
        + " rejected naming a path, %d failures; slowest %d ms; %s%n", corpus.size(), newSections, accepted, rejected,
        failures.size(), slowest, byKind);
    assertThat(failures).as("mutants that broke a rule").isEmpty();
    assertThat(rejected).isGreaterThan(corpus.size() / 2);
    assertThat(slowest).as("the slowest read, ms").isLessThan(Timing.upTo(PER_CASE.toMillis()));
  }

  /**
   * The shipped configuration, whose only {@code health} is the indexer's watchdog, with the other
   * probe kinds on the other groups (an {@code httpGet} on the workers, a {@code command} on the cache),
   * every key of the section given, so that the corpus mutates each of them.
   */
  static JsonObject withEveryHealthProbe(JsonObject conf) {
    ExampleAppFixture.group(conf, "workers").put("health", new JsonObject()
        .put("httpGet", "http://127.0.0.1:9300/health").put("interval", "5s").put("failures", 3)
        .put("timeout", "1s").put("startPeriod", "2s"));
    ExampleAppFixture.group(conf, "cache").put("health", new JsonObject()
        .put("command", new JsonArray().add("sh").add("-c").add("test -e /tmp/cache-ok")).put("interval", "10s")
        .put("failures", 2).put("timeout", "2s"));
    return conf;
  }

  /** The rule: accepted and usable, or rejected naming where; null when it holds, else what broke it. */
  private static String check(Outcome o) {
    if (o.other() != null) {
      return "not a ConfigException: " + o.other();
    }
    if (o.accepted() != null) {
      JsonObject config = o.accepted().config();
      try {
        LifecycleConfig.from(config);
        HttpConfig.from(config);
        ManagementConfig.from(config);
        ProcessesConfig.from(config);
        ExampleConfig.from(config);
      } catch (RuntimeException e) {
        return "accepted, but a section cannot be read from it: " + e;
      }
      return null;
    }
    List<ConfigProblem> problems = o.rejected().problems();
    if (problems.isEmpty()) {
      return "rejected without a problem";
    }
    for (ConfigProblem p : problems) {
      if (p.message().contains("could not be validated")) {
        return "a validator threw: " + p;
      }
      if (p.path().isEmpty() && !p.message().contains("config-")) {
        return "a problem with no JSON path that does not name the file either: " + p;
      }
      if (p.message().contains("\tat ") || p.message().length() > 2000) {
        return "a problem too long or with a stack trace: " + p.toString().substring(0, 200);
      }
    }
    String target = o.mutant().path();
    if (target != null && problems.stream().noneMatch(p -> related(p.path(), target))) {
      return "rejected, but no problem names the mutated path or its object: " + problems;
    }
    return null;
  }

  /**
   * The problem's path is the mutated one, inside it, or in the object that holds it (a rule across
   * keys); or, for a group, its {@code name} or a {@code dependsOn}, any group's {@code dependsOn}:
   * a renamed or removed group is refused where it is referred to, a cycle where it closes.
   */
  private static boolean related(String problem, String target) {
    if (problem.isEmpty()) {
      return true; // the whole file (not JSON): it names the file
    }
    if ((GROUP.matcher(target).matches() || DEPENDS_ON.matcher(target).lookingAt())
        && DEPENDS_ON.matcher(problem).lookingAt()) {
      return true;
    }
    String parent = parent(target);
    return problem.equals(target) || problem.startsWith(target + ".") || problem.startsWith(target + "[")
        || target.startsWith(problem) || parent.isEmpty() || problem.startsWith(parent);
  }

  /** A process group, or its name. */
  private static final Pattern GROUP = Pattern.compile("processes\\[\\d+\\](\\.name)?");
  /** A group's {@code dependsOn}, or one of its names. */
  private static final Pattern DEPENDS_ON = Pattern.compile("processes\\[\\d+\\]\\.dependsOn");

  private static String parent(String path) {
    int dot = path.lastIndexOf('.');
    int bracket = path.lastIndexOf('[');
    int cut = Math.max(dot, bracket);
    return cut <= 0 ? "" : path.substring(0, cut);
  }

  private Outcome read(Mutant m, int index) throws IOException {
    Path file = dir.resolve("config-" + index + ".json");
    Files.writeString(file, m.text(), StandardCharsets.UTF_8);
    long start = System.nanoTime();
    try {
      LoadedConfig loaded = new ConfigLoader(vertx, file.toString(), Map.of(), new Properties()).load()
          .toCompletionStage().toCompletableFuture().get(PER_CASE.toMillis(), TimeUnit.MILLISECONDS);
      return new Outcome(m, loaded, null, null, (System.nanoTime() - start) / 1_000_000);
    } catch (ExecutionException e) {
      long ms = (System.nanoTime() - start) / 1_000_000;
      return e.getCause() instanceof ConfigException ce ? new Outcome(m, null, ce, null, ms)
          : new Outcome(m, null, null, e.getCause(), ms);
    } catch (TimeoutException e) {
      return new Outcome(m, null, null, new AssertionError("no answer within " + PER_CASE), PER_CASE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (RuntimeException e) {
      return new Outcome(m, null, null, e, (System.nanoTime() - start) / 1_000_000);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  // ---------------------------------------------------------------- the fat jar, for a handful

  /**
   * A handful of rejected mutants, one of each kind, through the real launcher: exit 78 naming the
   * path or the file, the HTTP and management ports still free, the workers' command never run.
   */
  @Test
  void rejectedConfigurationsExit78WithNothingBoundAndNothingSpawned() throws Exception {
    int http = ExampleAppFixture.freePort();
    int management = ExampleAppFixture.freePort();
    Path marker = dir.resolve("spawned");
    JsonObject base = new JsonObject(Files.readString(Path.of("conf/config.json")));
    base.getJsonObject("http").put("port", http);
    base.getJsonObject("management").put("port", management);
    base.getJsonArray("processes").getJsonObject(0).put("command", new JsonArray().add("sh").add("-c")
        .add("touch '" + marker + "'; exec sleep 30"));
    String text = base.encodePrettily();

    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("truncated file", text.substring(0, text.length() / 2));
    cases.put("non-object root", new JsonArray().add(base).encode());
    cases.put("wrong type in processes", with(base, b -> b.getJsonArray("processes").getJsonObject(0)
        .put("instances", "two")));
    cases.put("negative duration", with(base, b -> b.getJsonObject("lifecycle").put("shutdownTimeout", "-5s")));
    cases.put("empty phase list", with(base, b -> b.getJsonObject("lifecycle").put("phases", new JsonArray())));
    cases.put("non-ASCII unknown key", with(base, b -> b.getJsonObject("http").put("pört\u00e9", "日本")));
    cases.put("deep nesting", with(base, b -> b.getJsonObject("example").put("maxWork", Corpus.deep(200))));
    cases.put("job queue of no place", with(base, b -> b.getJsonObject("example").getJsonObject("jobs")
        .put("capacity", 0)));
    cases.put("dependency on no group", with(base, b -> b.getJsonArray("processes").getJsonObject(0)
        .put("dependsOn", new JsonArray().add("nobody"))));
    Map<String, String> expected = Map.of("truncated file", "config.json", "non-object root", "top level",
        "wrong type in processes", "processes[0].instances", "negative duration", "lifecycle.shutdownTimeout",
        "empty phase list", "lifecycle.phases", "non-ASCII unknown key", "http.pört\u00e9",
        "deep nesting", "example.maxWork", "job queue of no place", "example.jobs.capacity",
        "dependency on no group", "processes[0].dependsOn[0]");

    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path file = dir.resolve("config.json");
      Files.writeString(file, c.getValue());
      try (JvmProcess app = JvmProcess.startJar(dir, List.of("-Xmx128m"), Path.of(System.getProperty("example.jar")),
          List.of("--config", file.toString()), Map.of())) {
        int code = app.awaitExit(Duration.ofSeconds(30));
        assertThat(code).as("%s:%n%s", c.getKey(), app.output()).isEqualTo(ExitCodes.INVALID_CONFIG);
        assertThat(app.output()).as(c.getKey()).contains(expected.get(c.getKey()))
            .doesNotContain("quiesce started").doesNotContain("\tat ");
        assertThat(liveProcessesTagged(app.tag())).as("processes left by %s", c.getKey()).isEmpty();
      }
      assertThat(marker).as("%s: the workers' command ran", c.getKey()).doesNotExist();
      for (int port : new int[] {http, management}) {
        try (ServerSocket free = new ServerSocket(port)) {
          assertThat(free.getLocalPort()).as("%s: port %d is free", c.getKey(), port).isEqualTo(port);
        }
      }
    }
    System.out.printf("configuration corpus through the jar: %d rejected files, each exit 78, nothing bound or"
        + " spawned%n", cases.size());
  }

  private static String with(JsonObject base, java.util.function.Consumer<JsonObject> change) {
    JsonObject copy = base.copy();
    change.accept(copy);
    return copy.encodePrettily();
  }

  /** Live processes whose environment carries {@code TEST_RUN_TAG=tag} (children inherit it). */
  private static List<Integer> liveProcessesTagged(String tag) {
    return ProcFs.liveTagged("TEST_RUN_TAG", tag);
  }

  // ---------------------------------------------------------------- the corpus

  /** Builds the mutants of a base configuration, deterministically from a seed. */
  static final class Corpus {

    private final JsonObject base;
    private final Random random;
    private final List<Mutant> out = new ArrayList<>();

    Corpus(JsonObject base, Random random) {
      this.base = base;
      this.random = random;
    }

    private static final Object[] VALUES = {42, -1, 0, 3.5, true, false, "text", "", null, new JsonArray(),
        new JsonObject(), new JsonArray().add("a"), new JsonObject().put("k", "v"), 2_147_483_648L,
        Long.MAX_VALUE, -9_223_372_036_854_775_807L, 1e300, -0.0};
    private static final Object[] DURATIONS = {-1, -5000, "-5s", "999999999999h", "1.5s", "5 sec", "ms", "0x10",
        " ", "∞", 1e30, Long.MAX_VALUE, "9223372036854775807", "00000000000000000001s", "1d", "PT5S", 0, "0ms"};
    private static final String[] TEXTS = {"ünïcödé", "日本語の名前", "🙂🙃", "\u202eevil", "a\u0000b", "line\nbreak",
        "\t", "x".repeat(100_000), "../../etc/passwd", "%s%n", "\\", "\"quoted\"", "TERM", "SIGTERM", "stop"};

    /**
     * The paths of the sections new in issue 13: the groups' {@code dependsOn}, {@code health} and
     * {@code ready.notify}, and the example's {@code jobs}. Each such path gets every value of {@link #VALUES} and {@link #DURATIONS} on top of
     * the picks every path gets, and {@code dependsOn} the references that break its rules.
     */
    static final Pattern NEW_IN_ISSUE_13 = Pattern.compile(
        "(processes\\[\\d+\\]\\.(dependsOn|health|ready\\.notify)|example\\.jobs)([.\\[].*)?");

    static boolean isNewInIssue13(String path) {
      return path != null && NEW_IN_ISSUE_13.matcher(path).matches();
    }

    List<Mutant> build() {
      List<List<Object>> paths = new ArrayList<>();
      collect(base, new ArrayList<>(), paths);
      for (List<Object> path : paths) {
        String at = render(path);
        if (isNewInIssue13(at)) {
          for (Object v : VALUES) {
            add("new-section type " + describe(v), at, set(path, copyOf(v)));
          }
          for (Object v : DURATIONS) {
            add("new-section duration " + describe(v), at, set(path, v));
          }
        }
      }
      dependsOnMutants();
      for (List<Object> path : paths) {
        String at = render(path);
        // wrong types: three picks per path
        for (int i = 0; i < 3; i++) {
          Object v = copyOf(VALUES[random.nextInt(VALUES.length)]);
          add("type " + describe(v), at, set(path, v));
        }
        add("missing", at, remove(path));
        for (int i = 0; i < 2; i++) {
          Object v = DURATIONS[random.nextInt(DURATIONS.length)];
          add("duration " + describe(v), at, set(path, v));
        }
        Object t = TEXTS[random.nextInt(TEXTS.length)];
        add("text " + describe(t), at, set(path, t));
        add("empty " + (random.nextBoolean() ? "list" : "object"), at,
            set(path, random.nextBoolean() ? new JsonArray() : new JsonObject()));
        add("deep", at, set(path, deep(50 + random.nextInt(800))));
      }
      // extra keys in every object, and a few in the root
      List<List<Object>> objects = new ArrayList<>();
      objects.add(List.of());
      for (List<Object> p : paths) {
        if (get(base, p) instanceof JsonObject) {
          objects.add(p);
        }
      }
      for (List<Object> o : objects) {
        JsonObject target = o.isEmpty() ? base : (JsonObject) get(base, o);
        List<String> keys = new ArrayList<>(target.fieldNames());
        String typo = keys.isEmpty() ? "x" : typo(keys.get(random.nextInt(keys.size())));
        for (String extra : List.of(typo, "unknownKey", "ключ", "", " ", "a.b")) {
          List<Object> p = new ArrayList<>(o);
          p.add(extra);
          add("extra-key " + describe(extra), render(p), set(p, "value"));
        }
      }
      // the file as a whole: non-object roots, truncated files, not JSON at all, nesting beyond the parser
      for (String root : List.of("[]", "[{}]", "\"config\"", "42", "null", "true", "[" + base.encode() + "]")) {
        out.add(new Mutant("root " + root.substring(0, Math.min(10, root.length())), null, root));
      }
      String text = base.encodePrettily();
      for (int i = 0; i < 250; i++) {
        int cut = 1 + random.nextInt(text.length() - 1);
        out.add(new Mutant("truncated at " + cut, null, text.substring(0, cut)));
      }
      for (String broken : List.of("", " ", "\uFEFF" + text, "// comment\n" + text, text + "\n}", text + " trailing",
          text.replace("\"lifecycle\"", "lifecycle"), text.replace(":", "="), "{\"a\":1,\"a\":2}",
          text.replaceFirst("\"shutdownTimeout\" : \"30s\"", "\"shutdownTimeout\" : \"30s\", \"shutdownTimeout\" : \"-1s\""),
          "{".repeat(2000) + "}".repeat(2000), "[".repeat(5000), "{\"lifecycle\":" + "[".repeat(1500) + "]".repeat(1500) + "}",
          "\u0000\u0001\u0002", new String(new byte[] {(byte) 0xff, (byte) 0xfe, 0x7b, 0x7d}, StandardCharsets.ISO_8859_1))) {
        out.add(new Mutant("not-json", null, broken));
      }
      // compound mutants: two to four changes at once
      for (int i = 0; i < 300; i++) {
        JsonObject m = base.copy();
        StringBuilder what = new StringBuilder("compound");
        int n = 2 + random.nextInt(3);
        for (int k = 0; k < n; k++) {
          List<Object> p = paths.get(random.nextInt(paths.size()));
          Object v = random.nextInt(3) == 0 ? DURATIONS[random.nextInt(DURATIONS.length)]
              : copyOf(VALUES[random.nextInt(VALUES.length)]);
          if (!setIn(m, p, v)) {
            continue;
          }
          what.append(' ').append(render(p)).append('=').append(describe(v));
        }
        out.add(new Mutant(what.toString(), null, m.encode()));
      }
      return out;
    }

    /**
     * For every group: references that break the rules of {@code dependsOn} (a name nobody has, the
     * group itself, a name twice, a cycle through another group, names of the wrong type) and ones
     * that keep them (none, every other group).
     */
    private void dependsOnMutants() {
      JsonArray groups = base.getJsonArray("processes");
      List<String> names = groups.stream().map(g -> ((JsonObject) g).getString("name")).toList();
      for (int i = 0; i < groups.size(); i++) {
        String self = names.get(i);
        List<Object> at = List.of("processes", i, "dependsOn");
        List<JsonArray> lists = new ArrayList<>(List.of(new JsonArray(), new JsonArray().add(self),
            new JsonArray().add("nobody"), new JsonArray().add("").add(" "), new JsonArray().add(42).add(true),
            new JsonArray().add((Object) null), new JsonArray().add("Cache"), new JsonArray().add("‮cache")));
        for (String other : names) {
          if (!other.equals(self)) {
            lists.add(new JsonArray().add(other).add(other));
            lists.add(new JsonArray().add(other).add(self));
            lists.add(new JsonArray().add(other));
          }
        }
        for (JsonArray list : lists) {
          add("dependsOn " + describe(list.encode()), render(at), set(at, list));
        }
      }
    }

    private void add(String what, String path, JsonObject mutated) {
      if (mutated != null) {
        out.add(new Mutant(what, path, mutated.encode()));
      }
    }

    private JsonObject set(List<Object> path, Object value) {
      JsonObject copy = base.copy();
      return setIn(copy, path, value) ? copy : null;
    }

    private JsonObject remove(List<Object> path) {
      JsonObject copy = base.copy();
      Object parent = get(copy, path.subList(0, path.size() - 1));
      Object last = path.get(path.size() - 1);
      if (parent instanceof JsonObject o && last instanceof String k) {
        o.remove(k);
      } else if (parent instanceof JsonArray a && last instanceof Integer i) {
        a.remove((int) i);
      } else {
        return null;
      }
      return copy;
    }

    private static boolean setIn(JsonObject root, List<Object> path, Object value) {
      Object parent = path.size() == 1 ? root : get(root, path.subList(0, path.size() - 1));
      Object last = path.get(path.size() - 1);
      if (parent instanceof JsonObject o && last instanceof String k) {
        o.put(k, value);
        return true;
      }
      if (parent instanceof JsonArray a && last instanceof Integer i && i < a.size()) {
        a.set(i, value);
        return true;
      }
      return false;
    }

    private static Object get(JsonObject root, List<Object> path) {
      Object node = root;
      for (Object p : path) {
        if (node instanceof JsonObject o && p instanceof String k) {
          node = o.getValue(k);
        } else if (node instanceof JsonArray a && p instanceof Integer i && i < a.size()) {
          node = a.getValue(i);
        } else {
          return null;
        }
      }
      return node;
    }

    private static void collect(Object node, List<Object> path, List<List<Object>> into) {
      if (node instanceof JsonObject o) {
        for (String k : o.fieldNames()) {
          List<Object> p = new ArrayList<>(path);
          p.add(k);
          into.add(p);
          collect(o.getValue(k), p, into);
        }
      } else if (node instanceof JsonArray a) {
        for (int i = 0; i < a.size(); i++) {
          List<Object> p = new ArrayList<>(path);
          p.add(i);
          into.add(p);
          collect(a.getValue(i), p, into);
        }
      }
    }

    /** A path as ConfigReader writes it: {@code lifecycle.phases[1].timeout}. */
    static String render(List<Object> path) {
      StringBuilder sb = new StringBuilder();
      for (Object p : path) {
        if (p instanceof Integer i) {
          sb.append('[').append(i).append(']');
        } else {
          if (sb.length() > 0) {
            sb.append('.');
          }
          sb.append(p);
        }
      }
      return sb.toString();
    }

    private String typo(String key) {
      if (key.length() < 2) {
        return key + "x";
      }
      int i = random.nextInt(key.length() - 1);
      return key.substring(0, i) + key.charAt(i + 1) + key.charAt(i) + key.substring(i + 2);
    }

    /** Nested arrays and objects, {@code depth} levels deep. */
    static Object deep(int depth) {
      Object v = "bottom";
      for (int i = 0; i < depth; i++) {
        v = i % 2 == 0 ? new JsonArray().add(v) : new JsonObject().put("k", v);
      }
      return v;
    }

    private static Object copyOf(Object v) {
      return v instanceof JsonObject o ? o.copy() : v instanceof JsonArray a ? a.copy() : v;
    }

    private static String describe(Object v) {
      String s = v == null ? "null" : v instanceof String str ? "\"" + str + "\"" : v.getClass().getSimpleName()
          + ":" + v;
      s = s.replace("\n", "\\n").replace("\u0000", "\\0");
      return s.length() > 24 ? s.substring(0, 24) + "…" : s;
    }
  }
}
