package dev.quiesce.launcher.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads which signals this process ignores ({@code SigIgn} in {@code /proc/self/status}: a hex
 * mask, bit {@code n-1} for signal {@code n}). Where there is no such file (not Linux), nothing is
 * reported as ignored.
 */
final class IgnoredSignals {

  private static final Path STATUS = Path.of("/proc/self/status");

  private IgnoredSignals() {
  }

  /** True when signal {@code number} is ignored by this process now; false when that cannot be read. */
  static boolean isIgnored(int number) {
    if (number < 1 || number > 64) {
      return false;
    }
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith("SigIgn:")) {
          long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
          return (mask & (1L << (number - 1))) != 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return false;
    }
    return false;
  }
}
