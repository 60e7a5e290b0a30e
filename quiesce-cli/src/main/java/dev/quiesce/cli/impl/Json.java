package dev.quiesce.cli.impl;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** JSON through jackson-jr: objects as maps, encoded on one line or indented. */
public final class Json {

  private static final JSON COMPACT = JSON.std;
  private static final JSON PRETTY = JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT);

  private Json() {
  }

  /** The JSON object in {@code text}; empty when it is not one. */
  public static Optional<Map<String, Object>> object(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(COMPACT.mapFrom(text));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** {@code value} on one line. */
  public static String compact(Object value) {
    try {
      return COMPACT.asString(value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + value, e);
    }
  }

  /** {@code value} indented, for people. */
  public static String pretty(Object value) {
    try {
      return PRETTY.asString(value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + value, e);
    }
  }

  /** The string at {@code key}, or {@code fallback} when there is none or it is not a string. */
  public static String string(Map<String, Object> json, String key, String fallback) {
    return json.get(key) instanceof String s ? s : fallback;
  }

  /** The number at {@code key} as a long, or {@code fallback}. */
  public static long number(Map<String, Object> json, String key, long fallback) {
    return json.get(key) instanceof Number n ? n.longValue() : fallback;
  }

  /** The object at {@code key}; empty when there is none. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(Map<String, Object> json, String key) {
    return json.get(key) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /** The objects of the array at {@code key} (other elements left out). */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> objects(Map<String, Object> json, String key) {
    if (!(json.get(key) instanceof List<?> list)) {
      return List.of();
    }
    return list.stream().filter(Map.class::isInstance).map(o -> (Map<String, Object>) o).toList();
  }
}
