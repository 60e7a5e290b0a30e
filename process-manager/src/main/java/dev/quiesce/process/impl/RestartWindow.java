package dev.quiesce.process.impl;

import java.util.ArrayDeque;
import java.util.Deque;

/** The times of the restarts within a sliding window (of a group's budget, or of an instance's backoff). */
final class RestartWindow {

  private final Deque<Long> times = new ArrayDeque<>();

  /** How many restarts there were in the {@code windowMs} before {@code now}; older ones are forgotten. */
  int countWithin(long now, long windowMs) {
    while (!times.isEmpty() && times.peekFirst() <= now - windowMs) {
      times.removeFirst();
    }
    return times.size();
  }

  void add(long now) {
    times.add(now);
  }

  void clear() {
    times.clear();
  }
}
