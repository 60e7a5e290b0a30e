package dev.quiesce.cluster;

import dev.quiesce.lifecycle.WireNamed;
import io.vertx.core.json.JsonObject;

/** Reads the fields of fleet messages, naming the one that is wrong. */
final class Wire {

  private Wire() {
  }

  static String string(JsonObject json, String field) {
    if (json.getValue(field) instanceof String s) {
      return s;
    }
    throw new IllegalArgumentException("\"" + field + "\" must be a string, was " + json.getValue(field));
  }

  static Number number(JsonObject json, String field) {
    if (json.getValue(field) instanceof Number n) {
      return n;
    }
    throw new IllegalArgumentException("\"" + field + "\" must be a number, was " + json.getValue(field));
  }

  static <E extends Enum<E> & WireNamed> E constant(Class<E> type, JsonObject json, String field) {
    String name = string(json, field);
    return WireNamed.fromWire(type, name).orElseThrow(() -> new IllegalArgumentException("\"" + field + "\": \""
        + name + "\" is none of " + WireNamed.wireNames(type)));
  }
}
