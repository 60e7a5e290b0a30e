package dev.quiesce.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;

/** Median and spread of a small sample (the rounds of a benchmark). */
record Stats(int n, double median, double min, double max, double p25, double p75) {

  static Stats of(Collection<? extends Number> values) {
    double[] v = values.stream().mapToDouble(Number::doubleValue).filter(d -> !Double.isNaN(d)).sorted().toArray();
    if (v.length == 0) {
      return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    return new Stats(v.length, quantile(v, 0.5), v[0], v[v.length - 1], quantile(v, 0.25), quantile(v, 0.75));
  }

  /** Linear interpolation between closest ranks, on sorted values. */
  static double quantile(double[] sorted, double q) {
    if (sorted.length == 1) {
      return sorted[0];
    }
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }

  /** Nearest-rank percentile of a latency sample (sorted in place). */
  static double percentile(long[] values, int count, double q) {
    if (count == 0) {
      return Double.NaN;
    }
    Arrays.sort(values, 0, count);
    int rank = (int) Math.ceil(q * count);
    return values[Math.max(0, Math.min(count - 1, rank - 1))];
  }

  /** "median (min–max)" with {@code decimals} decimals. */
  String fmt(int decimals) {
    if (n == 0) {
      return "n/a";
    }
    String f = "%." + decimals + "f";
    return String.format(Locale.ROOT, f + " (" + f + "–" + f + ")", median, min, max);
  }

  /** "median [p25–p75] (min–max)". */
  String fmtFull(int decimals) {
    if (n == 0) {
      return "n/a";
    }
    String f = "%." + decimals + "f";
    return String.format(Locale.ROOT, f + " [" + f + "–" + f + "] (" + f + "–" + f + ")", median, p25, p75, min, max);
  }
}
