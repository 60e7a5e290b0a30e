package dev.quiesce.config.impl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Reads a configuration file that vertx-config refused, to say in the user's terms what is wrong
 * with it: a top level that is not an object, or a value beyond one of the parser's limits (whose
 * exception otherwise names a Jackson method).
 */
public final class JsonShape {

  private static final JsonFactory FACTORY = new JsonFactory();
  /** A path longer than this (deep nesting) is cut: a message names a place, it does not dump it. */
  private static final int MAX_PATH = 120;

  private JsonShape() {
  }

  /**
   * Why {@code content} is not a configuration: "the top level must be a JSON object ({…}), not an
   * array", "the string at app.note is longer than the parser's limit of 20000000 characters", …;
   * {@code otherwise} when the content is malformed JSON (the parser's own message says where) or an
   * object after all.
   */
  public static String whyNotAnObject(byte[] content, String otherwise) {
    try (JsonParser parser = FACTORY.createParser(content)) {
      JsonToken first = parser.nextToken();
      try {
        while (parser.nextToken() != null) {
          // every token is read, so a string or number beyond the parser's limits fails here
          if (parser.currentToken() == JsonToken.VALUE_STRING) {
            parser.getText();
          }
        }
      } catch (StreamConstraintsException e) {
        return beyondLimit(parser, e);
      }
      if (first == JsonToken.START_OBJECT) {
        return otherwise;
      }
      return "the top level must be a JSON object ({…}), not " + kind(first);
    } catch (StreamConstraintsException e) {
      return "the top level is beyond the parser's limits: " + e.getOriginalMessage();
    } catch (IOException e) {
      return otherwise;
    }
  }

  private static String beyondLimit(JsonParser parser, StreamConstraintsException e) {
    String path = path(parser.getParsingContext());
    String where = path.isEmpty() ? "the top level" : "the string at " + path;
    String message = String.valueOf(e.getOriginalMessage());
    if (message.startsWith("String value length")) {
      return where + " is longer than the parser's limit of "
          + parser.streamReadConstraints().getMaxStringLength() + " characters";
    }
    if (message.startsWith("Name length")) {
      return "a key in " + (path.isEmpty() ? "the top level" : path) + " is longer than the parser's limit of "
          + parser.streamReadConstraints().getMaxNameLength() + " characters";
    }
    if (message.startsWith("Number value length")) {
      return where.replace("the string", "the number") + " has more digits than the parser's limit of "
          + parser.streamReadConstraints().getMaxNumberLength();
    }
    if (message.startsWith("Document nesting depth")) {
      JsonLocation at = parser.currentLocation();
      return "objects and arrays are nested deeper than the parser's limit of "
          + parser.streamReadConstraints().getMaxNestingDepth() + " (at line " + at.getLineNr() + ", column "
          + at.getColumnNr() + ")";
    }
    return where + " is beyond the parser's limits: " + message;
  }

  /** The JSON path of the value being read, as configuration errors name it ({@code app.list[2].name}). */
  private static String path(JsonStreamContext context) {
    Deque<String> parts = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        parts.push("[" + Math.max(0, c.getCurrentIndex()) + "]");
      } else if (c.getCurrentName() != null) {
        parts.push(c.getCurrentName());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String part : parts) {
      if (out.length() > 0 && !part.startsWith("[")) {
        out.append('.');
      }
      out.append(part);
    }
    return out.length() > MAX_PATH ? out.substring(0, MAX_PATH) + "…" : out.toString();
  }

  private static String kind(JsonToken token) {
    if (token == null || token == JsonToken.VALUE_NULL) {
      return "null";
    }
    return switch (token) {
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      default -> "a number";
    };
  }
}
