package dev.quiesce.lifecycle;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Reads the fields of the contract's records; every failure names the field and the message. */
final class Json {

  private Json() {
  }

  static String string(JsonObject json, String key, String what) {
    if (json.getValue(key) instanceof String s) {
      return s;
    }
    throw new IllegalArgumentException(what + ": \"" + key + "\" must be a string");
  }

  static long number(JsonObject json, String key, String what) {
    if (json.getValue(key) instanceof Number n) {
      return n.longValue();
    }
    throw new IllegalArgumentException(what + ": \"" + key + "\" must be a number");
  }

  static <T> T wire(JsonObject json, String key, String what, Function<String, Optional<T>> parse) {
    return parse.apply(string(json, key, what)).orElseThrow(() -> new IllegalArgumentException(
        what + ": \"" + key + "\" has an unknown value \"" + json.getValue(key) + "\""));
  }

  static <T> List<T> objects(JsonObject json, String key, String what, Function<JsonObject, T> read) {
    if (!(json.getValue(key) instanceof JsonArray array)) {
      throw new IllegalArgumentException(what + ": \"" + key + "\" must be an array");
    }
    List<T> out = new ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof JsonObject object)) {
        throw new IllegalArgumentException(what + ": every entry of \"" + key + "\" must be an object");
      }
      out.add(read.apply(object));
    }
    return out;
  }
}
