package dev.quiesce.lifecycle.impl;

import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Default participant names of the built-in drains, unique per Vert.x instance: the first is the
 * base ({@code eventbus:jobs}, {@code tcp:7000}), further ones {@code #2}, {@code #3}… (a verticle
 * deployed with several instances).
 */
final class DefaultNames {

  private static final Map<Vertx, Map<String, Integer>> GIVEN = new WeakHashMap<>();

  private DefaultNames() {
  }

  static String next(Vertx vertx, String base) {
    synchronized (GIVEN) {
      int n = GIVEN.computeIfAbsent(vertx, v -> new HashMap<>()).merge(base, 1, Integer::sum);
      return n == 1 ? base : base + "#" + n;
    }
  }
}
