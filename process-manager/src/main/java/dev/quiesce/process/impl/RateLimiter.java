package dev.quiesce.process.impl;

/**
 * A token bucket: at most {@code perSecond} grants a second (bursts up to the same number), and a
 * count of what was refused since the last grant. Thread-safe (output is read on many threads).
 */
public final class RateLimiter {

  private final int perSecond;
  private double tokens;
  private long last = System.nanoTime();
  private long refused;

  public RateLimiter(int perSecond) {
    this.perSecond = perSecond;
    this.tokens = perSecond;
  }

  /**
   * Takes one token.
   *
   * @return -1 when refused; otherwise how many were refused since the last grant
   */
  public synchronized long acquire() {
    if (perSecond <= 0) {
      return -1;
    }
    long now = System.nanoTime();
    tokens = Math.min(perSecond, tokens + (now - last) / 1e9 * perSecond);
    last = now;
    if (tokens < 1) {
      refused++;
      return -1;
    }
    tokens -= 1;
    long r = refused;
    refused = 0;
    return r;
  }
}
