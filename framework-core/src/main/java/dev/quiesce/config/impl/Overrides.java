package dev.quiesce.config.impl;

import dev.quiesce.config.ConfigReader;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/** Applies {@code quiesce.*} system properties and {@code QUIESCE_*} environment variables. */
public final class Overrides {

  public static final String SYS_PREFIX = "quiesce.";
  public static final String ENV_PREFIX = "QUIESCE_";
  /**
   * Variables with the prefix that are not configuration: what the launcher gives the successor of an
   * {@code upgrade} (its predecessor's pid, the handover socket and the deadline; see the launcher's
   * {@code Handover}).
   */
  static final Set<String> LAUNCHER_ENV = Set.of("QUIESCE_UPGRADE_FROM", "QUIESCE_UPGRADE_SOCKET",
      "QUIESCE_UPGRADE_DEADLINE");

  private Overrides() {
  }

  public static void applySystemProperties(JsonObject config, Properties sys, List<String> sources,
      ConfigReader problems) {
    Map<String, String> sorted = new TreeMap<>();
    for (String name : sys.stringPropertyNames()) {
      if (name.startsWith(SYS_PREFIX) && name.length() > SYS_PREFIX.length()) {
        sorted.put(name, sys.getProperty(name));
      }
    }
    sorted.forEach((name, value) -> {
      if (set(config, name.substring(SYS_PREFIX.length()).split("\\."), value, false, "-D" + name, problems)) {
        sources.add("system property " + name);
      }
    });
  }

  public static void applyEnvironment(JsonObject config, Map<String, String> env, List<String> sources,
      ConfigReader problems) {
    new TreeMap<>(env).forEach((name, value) -> {
      if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length() && !LAUNCHER_ENV.contains(name)) {
        if (set(config, name.substring(ENV_PREFIX.length()).split("_"), value, true, name, problems)) {
          sources.add("env " + name);
        }
      }
    });
  }

  /** Sets {@code path} in {@code config}; false (with a problem recorded) when the path cannot be followed. */
  private static boolean set(JsonObject config, String[] path, String raw, boolean ignoreCase, String origin,
      ConfigReader problems) {
    Object value = parse(raw);
    Object node = config;
    for (int i = 0; i < path.length; i++) {
      String part = path[i];
      boolean last = i == path.length - 1;
      if (part.isEmpty()) {
        problems.problem(null, origin + ": empty part in the path");
        return false;
      }
      if (node instanceof JsonObject object) {
        String key = ignoreCase ? match(object, part) : part;
        if (last) {
          object.put(key, value);
          return true;
        }
        Object child = object.getValue(key);
        if (child == null) {
          child = isIndex(path[i + 1]) ? new JsonArray() : new JsonObject();
          object.put(key, child);
        }
        node = child;
      } else if (node instanceof JsonArray array && isIndex(part)) {
        int index = Integer.parseInt(part);
        if (index > array.size()) {
          problems.problem(null, origin + ": index " + index + " is past the end of an array of " + array.size());
          return false;
        }
        if (last) {
          if (index == array.size()) {
            array.add(value);
          } else {
            array.set(index, value);
          }
          return true;
        }
        if (index == array.size()) {
          array.add(new JsonObject());
        }
        node = array.getValue(index);
      } else {
        problems.problem(null, origin + ": cannot set \"" + part + "\" inside a " + (node instanceof JsonArray
            ? "list (use an index)" : "plain value"));
        return false;
      }
    }
    return false;
  }

  private static String match(JsonObject object, String part) {
    for (String key : object.fieldNames()) {
      if (key.equalsIgnoreCase(part)) {
        return key;
      }
    }
    return part.toLowerCase(Locale.ROOT);
  }

  private static boolean isIndex(String part) {
    return !part.isEmpty() && part.length() < 6 && part.chars().allMatch(Character::isDigit);
  }

  private static Object parse(String raw) {
    String t = raw.trim();
    if (t.isEmpty()) {
      return raw;
    }
    char c = t.charAt(0);
    if (c == '{' || c == '[' || c == '-' || Character.isDigit(c) || "true".equals(t) || "false".equals(t)) {
      try {
        Object v = Json.decodeValue(t);
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
          return v instanceof Map<?, ?> ? new JsonObject(t) : new JsonArray(t);
        }
        return v;
      } catch (DecodeException e) {
        return raw;
      }
    }
    return raw;
  }
}
