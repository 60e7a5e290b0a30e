package dev.quiesce.lifecycle.impl;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Which OS signals a HotSpot JVM on Linux can catch, and why not the others. */
public final class SignalNames {

  /** Signals the signal bridge can catch. */
  public static final List<String> CATCHABLE = List.of("TERM", "INT", "HUP", "USR1", "WINCH");

  private static final Map<String, String> REFUSED = Map.of(
      "QUIT", "QUIT cannot be handled: the JVM uses it to print thread dumps",
      "USR2", "USR2 must not be handled: it is the JVM's own suspend/resume signal (handling or sending it"
          + " can crash HotSpot)",
      "KILL", "KILL cannot be caught by any process",
      "STOP", "STOP cannot be caught by any process");

  private SignalNames() {
  }

  /** {@code "SIGTERM"}, {@code "term"} → {@code "TERM"}. */
  public static String normalize(String signal) {
    String s = signal.trim().toUpperCase(Locale.ROOT);
    return s.startsWith("SIG") ? s.substring(3) : s;
  }

  /** Why {@code signal} cannot be caught, or null when it can. */
  public static String whyNotCatchable(String signal) {
    String s = normalize(signal);
    if (CATCHABLE.contains(s)) {
      return null;
    }
    String refused = REFUSED.get(s);
    if (refused != null) {
      return refused;
    }
    return "is not a signal the framework can catch; use one of " + CATCHABLE;
  }
}
