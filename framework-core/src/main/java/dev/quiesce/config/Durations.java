package dev.quiesce.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the configuration writes them: {@code "250ms"}, {@code "5s"}, {@code "2m"},
 * {@code "1h"}, or an integer number of milliseconds (as a JSON number or a string of digits).
 */
public final class Durations {

  /** The rule, as error messages state it. */
  public static final String RULE = "is not a duration; use 250ms, 5s, 2m, 1h or an integer of milliseconds";

  /** The longest duration accepted anywhere: 366 days. */
  public static final Duration MAX = Duration.ofDays(366);

  private static final String TOO_LONG = "is too long; a duration is at most 366 days";

  private static final Pattern TEXT = Pattern.compile("(\\d{1,12})(ms|s|m|h)?");

  private Durations() {
  }

  /**
   * Parses a duration.
   *
   * @param value a {@link Number} of milliseconds or a {@link String} such as {@code "5s"}
   * @return the duration, never negative
   * @throws IllegalArgumentException when the value is not a duration (negative, fractional,
   *     another unit, another type); the message is {@link #RULE}
   */
  public static Duration parse(Object value) {
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      long ms = ((Number) value).longValue();
      if (ms >= 0) {
        if (ms > MAX.toMillis()) {
          throw new IllegalArgumentException(TOO_LONG);
        }
        return Duration.ofMillis(ms);
      }
    } else if (value instanceof Number n) {
      double d = n.doubleValue();
      if (d >= 0 && d == Math.rint(d)) {
        if (d > MAX.toMillis()) {
          throw new IllegalArgumentException(TOO_LONG);
        }
        return Duration.ofMillis((long) d);
      }
    } else if (value instanceof String s) {
      Matcher m = TEXT.matcher(s.trim().toLowerCase(Locale.ROOT));
      if (m.matches()) {
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        Duration d = switch (unit) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          default -> Duration.ofHours(amount);
        };
        if (d.compareTo(MAX) <= 0) {
          return d;
        }
        throw new IllegalArgumentException(TOO_LONG);
      }
    }
    throw new IllegalArgumentException(RULE);
  }

  /**
   * The shortest exact text for a duration, to the millisecond.
   *
   * @param d the duration (below a millisecond is dropped)
   * @return {@code 0s}, {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} …
   */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0s";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
