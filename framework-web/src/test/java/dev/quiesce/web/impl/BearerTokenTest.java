package dev.quiesce.web.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The management token check: right answers, and a time that depends neither on where a wrong
 * token differs nor on the configured token's length. Tokens of 64 KiB make a naive comparison's
 * early exit visible (microseconds against nanoseconds) far above the noise; the bounds are loose
 * (a factor of 2 between medians) because only such an early exit, worth orders of magnitude,
 * must fail them.
 */
class BearerTokenTest {

  private static final int SIZE = 64 * 1024;
  private static final int ROUNDS = 301;

  private static String token(Random random, int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append((char) ('!' + random.nextInt(94)));
    }
    return sb.toString();
  }

  private static String differingAt(String token, int index) {
    char[] c = token.toCharArray();
    c[index] = c[index] == 'a' ? 'b' : 'a';
    return new String(c);
  }

  @Test
  void acceptsOnlyTheTokenWithTheBearerScheme() {
    BearerToken t = new BearerToken("s3cret-token-for-tests-0001");
    assertThat(t.matches("Bearer s3cret-token-for-tests-0001")).isTrue();
    assertThat(t.matches("bearer s3cret-token-for-tests-0001")).isTrue();
    assertThat(t.matches("  Bearer   s3cret-token-for-tests-0001  ")).isTrue();
    assertThat(t.matches("Bearer s3cret-token-for-tests-0002")).isFalse();
    assertThat(t.matches("Bearer s3cret-token-for-tests-000")).isFalse();
    assertThat(t.matches("Basic s3cret-token-for-tests-0001")).isFalse();
    assertThat(t.matches("s3cret-token-for-tests-0001")).isFalse();
    assertThat(t.matches("Bearer")).isFalse();
    assertThat(t.matches("")).isFalse();
    assertThat(t.matches(null)).isFalse();
  }

  @Test
  void timeDoesNotDependOnWhereAWrongTokenDiffers() {
    Random random = new Random(7);
    String secret = token(random, SIZE);
    BearerToken t = new BearerToken(secret);
    String[] candidates = {"Bearer " + differingAt(secret, 0), "Bearer " + differingAt(secret, SIZE / 2),
        "Bearer " + differingAt(secret, SIZE - 1)};
    long[] medians = medians(t, candidates);

    long min = Arrays.stream(medians).min().orElseThrow();
    long max = Arrays.stream(medians).max().orElseThrow();
    assertThat((double) max / min).as("median ns for a difference at the start, middle, end: %s",
        Arrays.toString(medians)).isLessThan(2.0);
    System.out.printf("token compare (64 KiB): median ns for a wrong byte at the start, middle, end: %s%n",
        Arrays.toString(medians));
  }

  @Test
  void timeDoesNotDependOnTheLengthOfTheConfiguredToken() {
    Random random = new Random(11);
    String candidate = "Bearer " + token(random, SIZE);
    BearerToken shortToken = new BearerToken(token(random, 16));
    BearerToken longToken = new BearerToken(token(random, SIZE));
    long[] m = medians(new BearerToken[] {shortToken, longToken}, new String[] {candidate, candidate});

    double ratio = (double) Math.max(m[0], m[1]) / Math.min(m[0], m[1]);
    assertThat(ratio).as("median ns against a 16-byte and a 64 KiB token: %d, %d", m[0], m[1]).isLessThan(2.0);
  }

  private static long[] medians(BearerToken t, String[] candidates) {
    BearerToken[] tokens = new BearerToken[candidates.length];
    Arrays.fill(tokens, t);
    return medians(tokens, candidates);
  }

  /**
   * The median time of {@code tokens[i].matches(candidates[i])} for each i, measured interleaved
   * (so that JIT compilation, GC and other load fall on all alike) after a warm-up.
   */
  private static long[] medians(BearerToken[] tokens, String[] candidates) {
    for (int i = 0; i < 500; i++) {
      for (int k = 0; k < candidates.length; k++) {
        assertThat(tokens[k].matches(candidates[k])).isFalse();
      }
    }
    long[][] times = new long[candidates.length][ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      for (int i = 0; i < candidates.length; i++) {
        long start = System.nanoTime();
        boolean matched = tokens[i].matches(candidates[i]);
        times[i][r] = System.nanoTime() - start;
        assertThat(matched).isFalse();
      }
    }
    long[] medians = new long[candidates.length];
    for (int i = 0; i < candidates.length; i++) {
      Arrays.sort(times[i]);
      medians[i] = times[i][ROUNDS / 2];
    }
    return medians;
  }
}
