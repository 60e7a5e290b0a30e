package dev.quiesce.cli.impl;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --timeout} as the configuration writes durations: {@code 250ms}, {@code 30s}, {@code 2m},
 * {@code 1h}, or digits alone for milliseconds; at least 1 ms, at most 24 h.
 */
public final class Timeouts implements ITypeConverter<Duration> {

  private static final Pattern TEXT = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");
  private static final Duration MAX = Duration.ofHours(24);

  @Override
  public Duration convert(String value) {
    Matcher m = TEXT.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new TypeConversionException("'" + value + "' is not a duration; use 250ms, 30s, 2m or 1h");
    }
    long amount = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2) == null ? "ms" : m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
    if (d.isZero() || d.compareTo(MAX) > 0) {
      throw new TypeConversionException("'" + value + "' is out of range: from 1ms to 24h");
    }
    return d;
  }

  /** The shortest text of {@code d} the server's {@code timeout} parameter reads: milliseconds. */
  public static String wire(Duration d) {
    return d.toMillis() + "ms";
  }
}
