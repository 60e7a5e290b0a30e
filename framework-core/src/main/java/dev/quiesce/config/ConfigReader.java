package dev.quiesce.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads one JSON object of the configuration and remembers where it is, so every problem it
 * finds names its JSON path ({@code lifecycle.phases[1].timeout}) and the rule it broke.
 *
 * <p>Readers never throw on bad input: each getter records a {@link ConfigProblem} and returns
 * the default, so one pass finds every problem. Call {@link #throwIfProblems()} at the end.
 * Children made with {@link #object(String)} and {@link #objects(String)} share the problem
 * list of their root.
 */
public final class ConfigReader {

  private final JsonObject json;
  private final String path;
  private final List<ConfigProblem> problems;

  private ConfigReader(JsonObject json, String path, List<ConfigProblem> problems) {
    this.json = json;
    this.path = path;
    this.problems = problems;
  }

  /**
   * A reader of the whole document, with a problem list of its own.
   *
   * @param json the document; null reads as an empty one
   * @return a reader at the root (empty path)
   */
  public static ConfigReader root(JsonObject json) {
    return new ConfigReader(json == null ? new JsonObject() : json, "", new ArrayList<>());
  }

  /**
   * Reads a whole configuration with {@code read} and throws if it found any problem: the
   * {@code from(JsonObject)} of every typed section.
   *
   * @param <T> the type read
   * @param root the whole configuration; null reads as an empty one
   * @param read reads the configuration, recording problems in the reader it is given
   * @return what {@code read} returned, when it recorded no problem
   * @throws ConfigException naming the JSON path and rule of every problem
   */
  public static <T> T readAll(JsonObject root, Function<ConfigReader, T> read) {
    ConfigReader reader = root(root);
    T value = read.apply(reader);
    reader.throwIfProblems();
    return value;
  }

  /**
   * A reader of {@code json} that reports problems under {@code path}, into its own list.
   *
   * @param path the JSON path of {@code json} in its document
   * @param json the object to read; null reads as an empty one
   * @return the reader
   */
  public static ConfigReader at(String path, JsonObject json) {
    return new ConfigReader(json == null ? new JsonObject() : json, path, new ArrayList<>());
  }

  /**
   * The JSON path of this object.
   *
   * @return the path; empty for the root
   */
  public String path() {
    return path;
  }

  /**
   * The JSON object read.
   *
   * @return the object itself, not a copy
   */
  public JsonObject json() {
    return json;
  }

  /**
   * The JSON path of {@code key} in this object.
   *
   * @param key the key in this object
   * @return the path, such as {@code lifecycle.shutdownTimeout}
   */
  public String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /**
   * Whether {@code key} has a value in this object.
   *
   * @param key the key in this object
   * @return true when it is present and not JSON null
   */
  public boolean has(String key) {
    return json.containsKey(key) && json.getValue(key) != null;
  }

  /**
   * Records a problem with {@code key} of this object.
   *
   * @param key the key in this object; null for the object itself
   * @param message the rule the value broke
   */
  public void problem(String key, String message) {
    problems.add(new ConfigProblem(key == null ? path : pathOf(key), message));
  }

  /**
   * Records problems found by another reader (for example one over a merged copy).
   *
   * @param found the problems, recorded as they are
   */
  public void addProblems(List<ConfigProblem> found) {
    problems.addAll(found);
  }

  /**
   * Every problem found so far by this reader, its root and all their children.
   *
   * @return a copy, in the order they were found
   */
  public List<ConfigProblem> problems() {
    return List.copyOf(problems);
  }

  /**
   * Throws if this reader, its root or one of their children recorded a problem; does nothing otherwise.
   *
   * @throws ConfigException naming every problem found so far, if there is one
   */
  public void throwIfProblems() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }

  /**
   * A string, or {@code def} when absent; any other type is a problem.
   *
   * @param key the key in this object
   * @param def the value when the key is absent or its value is invalid
   * @return the value; {@code def} when absent or invalid (a problem is recorded then)
   */
  public String string(String key, String def) {
    Object v = json.getValue(key);
    if (v == null) {
      return def;
    }
    if (v instanceof String s) {
      return s;
    }
    problem(key, describe(v) + " is not a string");
    return def;
  }

  /**
   * A string that must be present and not blank.
   *
   * @param key the key in this object
   * @return the value (blank when it is, a problem recorded); null when absent or not a string (a problem then)
   */
  public String requiredString(String key) {
    String s = string(key, null);
    if (s == null && !has(key)) {
      problem(key, "is required");
    } else if (s != null && s.isBlank()) {
      problem(key, "must not be empty");
    }
    return s;
  }

  /**
   * An address to listen on or connect to: a host name (labels of letters, digits and '-', at most
   * 253 characters in all) or an IPv4 or IPv6 literal; {@code def} when absent. Checked by syntax
   * only, never looked up: a name that does not resolve still fails when it is used, but text that
   * cannot be a host ({@code "日本"}, {@code "a b"}, {@code ""}) is a problem here, before anything starts.
   *
   * @param key the key in this object
   * @param def the value when the key is absent or its value is invalid
   * @return the value; {@code def} when absent or invalid (a problem is recorded then)
   */
  public String host(String key, String def) {
    String s = string(key, null);
    if (s == null) {
      return def;
    }
    if (s.isBlank()) {
      problem(key, "must not be empty");
      return def;
    }
    if (!isHost(s)) {
      problem(key, describe(s) + " is not a host name or an IP address");
      return def;
    }
    return s;
  }

  private static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  static boolean isHost(String s) {
    String h = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    if (h.indexOf(':') >= 0) {
      if (!IPV6.matcher(h).matches()) {
        return false;
      }
      try {
        // an IPv6 literal is parsed, never looked up
        return InetAddress.getByName("[" + h + "]") != null;
      } catch (UnknownHostException | RuntimeException e) {
        return false;
      }
    }
    if (h.isEmpty() || h.length() > 253) {
      return false;
    }
    for (String label : h.split("\\.", -1)) {
      if (!HOST_LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  /**
   * One of {@code allowed} (compared exactly), or {@code def} when absent.
   *
   * @param key the key in this object
   * @param def the value when the key is absent or its value is invalid
   * @param allowed the values accepted
   * @return the value; {@code def} when absent or invalid (a problem is recorded then)
   */
  public String choice(String key, String def, Collection<String> allowed) {
    String s = string(key, def);
    if (s != null && !allowed.contains(s)) {
      problem(key, quote(s) + " is not one of " + allowed);
      return def;
    }
    return s;
  }

  /**
   * A boolean, or {@code def} when absent; any other type is a problem.
   *
   * @param key the key in this object
   * @param def the value when the key is absent or its value is invalid
   * @return the value; {@code def} when absent or invalid (a problem is recorded then)
   */
  public boolean bool(String key, boolean def) {
    Object v = json.getValue(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    problem(key, describe(v) + " is not a boolean (true or false)");
    return def;
  }

  /**
   * A whole number in {@code [min, max]}, or {@code def} when absent.
   *
   * @param key the key in this object
   * @param def the value when the key is absent or its value is invalid
   * @param min the smallest value allowed
   * @param max the largest value allowed
   * @return the value; {@code def} when absent or invalid (a problem is recorded then)
   */
  public int integer(String key, int def, int min, int max) {
    Object v = json.getValue(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      double d = n.doubleValue();
      if (d < min || d > max) {
        problem(key, n + " is out of range; it must be between " + min + " and " + max);
        return def;
      }
      return (int) d;
    }
    problem(key, describe(v) + " is not a whole number");
    return def;
  }

  /**
   * A number in {@code [min, max]}, or {@code def} when absent.
   *
   * @param key the key in this object
   * @param def the value when the key is absent or its value is invalid
   * @param min the smallest value allowed
   * @param max the largest value allowed
   * @return the value; {@code def} when absent or invalid (a problem is recorded then)
   */
  public double number(String key, double def, double min, double max) {
    Object v = json.getValue(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Number n && !Double.isNaN(n.doubleValue())) {
      double d = n.doubleValue();
      if (d < min || d > max) {
        problem(key, n + " is out of range; it must be between " + min + " and " + max);
        return def;
      }
      return d;
    }
    problem(key, describe(v) + " is not a number");
    return def;
  }

  /**
   * A duration ({@link Durations}), or {@code def} when absent.
   *
   * @param key the key in this object
   * @param def the value when the key is absent or its value is invalid
   * @return the value; {@code def} when absent or invalid (a problem is recorded then)
   */
  public Duration duration(String key, Duration def) {
    Object v = json.getValue(key);
    if (v == null) {
      return def;
    }
    try {
      return Durations.parse(v);
    } catch (IllegalArgumentException e) {
      problem(key, describe(v) + " " + e.getMessage());
      return def;
    }
  }

  /**
   * A duration in {@code [min, max]}, or {@code def} when absent.
   *
   * @param key the key in this object
   * @param def the value when the key is absent or its value is invalid
   * @param min the shortest duration allowed
   * @param max the longest duration allowed
   * @return the value; {@code def} when absent or invalid (a problem is recorded then)
   */
  public Duration duration(String key, Duration def, Duration min, Duration max) {
    Duration d = duration(key, def);
    if (d != null && d != def && (d.compareTo(min) < 0 || d.compareTo(max) > 0)) {
      problem(key, Durations.format(d) + " is out of range; it must be between "
          + Durations.format(min) + " and " + Durations.format(max));
      return def;
    }
    return d;
  }

  /**
   * The object at {@code key}; an empty one when absent or not an object (a problem then).
   *
   * @param key the key in this object
   * @return a reader of the object that records problems in this reader's list
   */
  public ConfigReader object(String key) {
    Object v = json.getValue(key);
    if (v == null) {
      return new ConfigReader(new JsonObject(), pathOf(key), problems);
    }
    if (v instanceof JsonObject o) {
      return new ConfigReader(o, pathOf(key), problems);
    }
    if (v instanceof Map<?, ?> m) {
      return new ConfigReader(new JsonObject(castMap(m)), pathOf(key), problems);
    }
    problem(key, describe(v) + " is not an object");
    return new ConfigReader(new JsonObject(), pathOf(key), problems);
  }

  /**
   * The array at {@code key} read as objects; elements that are not objects are problems.
   *
   * @param key the key in this object
   * @return a reader of each element that is an object, sharing this reader's problem list; empty when
   *     absent or not an array (a problem then)
   */
  public List<ConfigReader> objects(String key) {
    List<ConfigReader> out = new ArrayList<>();
    JsonArray array = array(key);
    if (array == null) {
      return out;
    }
    for (int i = 0; i < array.size(); i++) {
      Object e = array.getValue(i);
      String at = pathOf(key) + "[" + i + "]";
      if (e instanceof JsonObject o) {
        out.add(new ConfigReader(o, at, problems));
      } else {
        problems.add(new ConfigProblem(at, describe(e) + " is not an object"));
      }
    }
    return out;
  }

  /**
   * The array at {@code key} read as strings, or {@code def} when absent.
   *
   * @param key the key in this object
   * @param def the value when the key is absent or not an array
   * @return the strings; elements that are not strings are left out (a problem each)
   */
  public List<String> strings(String key, List<String> def) {
    JsonArray array = array(key);
    if (array == null) {
      return def;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      Object e = array.getValue(i);
      if (e instanceof String s) {
        out.add(s);
      } else {
        problems.add(new ConfigProblem(pathOf(key) + "[" + i + "]", describe(e) + " is not a string"));
      }
    }
    return out;
  }

  /**
   * The object at {@code key} read as a map of strings (insertion order kept).
   *
   * @param key the key in this object
   * @return a new map; values that are not strings are left out (a problem each)
   */
  public Map<String, String> stringMap(String key) {
    Map<String, String> out = new LinkedHashMap<>();
    ConfigReader o = object(key);
    for (String k : o.json.fieldNames()) {
      String v = o.string(k, null);
      if (v != null) {
        out.put(k, v);
      }
    }
    return out;
  }

  /**
   * Records a problem for each key of this object that is not in {@code known}, naming the
   * closest known key when there is a likely one ({@code "shutdownTimout" is not a known key;
   * did you mean "shutdownTimeout"?}).
   *
   * @param known the keys this object may have
   */
  public void allowOnly(Collection<String> known) {
    for (String k : json.fieldNames()) {
      if (!known.contains(k)) {
        String closest = closest(k, known);
        problems.add(new ConfigProblem(pathOf(k), "is not a known key"
            + (closest == null ? "; known keys are " + known : "; did you mean \"" + closest + "\"?")));
      }
    }
  }

  private JsonArray array(String key) {
    Object v = json.getValue(key);
    if (v == null) {
      return null;
    }
    if (v instanceof JsonArray a) {
      return a;
    }
    if (v instanceof List<?> l) {
      return new JsonArray(new ArrayList<>(l));
    }
    problem(key, describe(v) + " is not an array");
    return null;
  }

  /** The key of {@code known} closest to {@code key}, or null when none is close enough. */
  static String closest(String key, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String lower = key.toLowerCase(Locale.ROOT);
    for (String candidate : known) {
      int d = distance(lower, candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    return best != null && bestDistance <= Math.max(2, best.length() / 3) ? best : null;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /**
   * A value as an error message shows it: strings quoted and cut at 60 characters.
   *
   * @param v a JSON value
   * @return the text; {@code an object} or {@code an array} for those
   */
  public static String describe(Object v) {
    if (v instanceof String s) {
      return quote(s);
    }
    if (v instanceof JsonObject || v instanceof Map) {
      return "an object";
    }
    if (v instanceof JsonArray || v instanceof List) {
      return "an array";
    }
    return String.valueOf(v);
  }

  private static String quote(String s) {
    String cut = s.length() > 60 ? s.substring(0, 60) + "…" : s;
    return "\"" + cut + "\"";
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  /**
   * The keys of a section, in the order error messages list them, for {@link #allowOnly(Collection)}.
   *
   * @param keys the keys
   * @return an unmodifiable list of them
   */
  public static List<String> keys(String... keys) {
    return List.of(keys);
  }
}
