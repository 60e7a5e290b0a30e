package dev.quiesce.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} options of a benchmark; unknown names are errors. */
final class Options {

  private final Map<String, String> values = new HashMap<>();
  private final Set<String> flags;

  Options(String[] args, int from, Set<String> known, Set<String> flags) {
    this.flags = flags;
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + a);
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (flags.contains(name)) {
        value = "true";
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value");
      }
      if (!known.contains(name) && !flags.contains(name)) {
        throw new IllegalArgumentException("unknown option --" + name + "; known: " + known + " " + flags);
      }
      values.put(name, value);
    }
  }

  int integer(String name, int def) {
    return values.containsKey(name) ? Integer.parseInt(values.get(name)) : def;
  }

  String string(String name, String def) {
    return values.getOrDefault(name, def);
  }

  boolean flag(String name) {
    return "true".equals(values.get(name));
  }

  /** A space-separated list (e.g. extra JVM flags). */
  List<String> list(String name) {
    List<String> out = new ArrayList<>();
    String v = values.get(name);
    if (v != null) {
      for (String s : v.trim().split("\\s+")) {
        if (!s.isEmpty()) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /** A comma-separated list of integers. */
  List<Integer> ints(String name, List<Integer> def) {
    String v = values.get(name);
    if (v == null) {
      return def;
    }
    List<Integer> out = new ArrayList<>();
    for (String s : v.split(",")) {
      out.add(Integer.parseInt(s.trim()));
    }
    return out;
  }
}
