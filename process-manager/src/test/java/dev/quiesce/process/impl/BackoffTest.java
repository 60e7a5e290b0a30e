package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.process.ProcessGroupConfig.Restart;
import dev.quiesce.process.ProcessGroupConfig.RestartPolicy;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static Restart restart(double jitter) {
    return new Restart(RestartPolicy.ON_FAILURE, Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, jitter, 5,
        Duration.ofMinutes(1));
  }

  @Test
  void delayGrowsByTheMultiplierUpToMax() {
    Restart r = restart(0);
    assertThat(new long[] {Backoff.delayMs(r, 0, () -> 0.5), Backoff.delayMs(r, 1, () -> 0.5),
        Backoff.delayMs(r, 4, () -> 0.5), Backoff.delayMs(r, 5, () -> 0.5), Backoff.delayMs(r, 50, () -> 0.5)})
        .containsExactly(100, 200, 1600, 2000, 2000);
  }

  @Test
  void jitterStaysWithinItsBoundsAndNeverExceedsMax() {
    Restart r = restart(0.5);
    Random random = new Random(1);
    long lowest = Long.MAX_VALUE;
    long highest = 0;
    for (int i = 0; i < 10_000; i++) {
      long d = Backoff.delayMs(r, 2, random::nextDouble); // base 400 ms
      lowest = Math.min(lowest, d);
      highest = Math.max(highest, d);
      assertThat(d).isBetween(200L, 600L);
      assertThat(Backoff.delayMs(r, 10, random::nextDouble)).isBetween(1000L, 2000L);
    }
    assertThat(lowest).isLessThan(220);
    assertThat(highest).isGreaterThan(580);
  }
}
