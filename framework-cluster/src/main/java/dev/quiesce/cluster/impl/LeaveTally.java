package dev.quiesce.cluster.impl;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What arrived at this node for a withdrawn address after the withdrawal: stragglers (messages
 * handled by a local handler still registered: routed here by other nodes before they applied the
 * withdrawal, or this node's own sends while no other node serves the address) and
 * lost messages (arrived when no handler was left; each was failed for its sender at once, code
 * {@value NodeLeave#LOST_FAILURE_CODE}). Thread-safe.
 */
final class LeaveTally {

  private volatile Set<String> watched = Set.of();
  private volatile long since;
  private final Map<String, AtomicLong> stragglers = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> lost = new ConcurrentHashMap<>();

  /** From now on, counts what arrives for {@code addresses}, withdrawn at {@code atMs}. */
  void watch(List<String> addresses, long atMs) {
    since = atMs;
    watched = Set.copyOf(addresses);
  }

  /** Whether {@code address} was withdrawn. */
  boolean watches(String address) {
    return watched.contains(address);
  }

  /** A message for a withdrawn address reached a handler. */
  void straggler(String address) {
    stragglers.computeIfAbsent(address, a -> new AtomicLong()).incrementAndGet();
  }

  /** A message for a withdrawn address arrived with no handler left. */
  void lost(String address) {
    lost.computeIfAbsent(address, a -> new AtomicLong()).incrementAndGet();
  }

  /** The number of messages lost so far. */
  long lostCount() {
    return total(lost);
  }

  /** {@code stragglers}, {@code lost}, and each per address, counted since the withdrawal. */
  JsonObject toJson() {
    return new JsonObject().put("stragglers", total(stragglers)).put("stragglersByAddress", byAddress(stragglers))
        .put("lost", total(lost)).put("lostByAddress", byAddress(lost)).put("countedSince", since);
  }

  private static long total(Map<String, AtomicLong> counts) {
    return counts.values().stream().mapToLong(AtomicLong::get).sum();
  }

  private static JsonObject byAddress(Map<String, AtomicLong> counts) {
    JsonObject json = new JsonObject();
    new TreeMap<>(counts).forEach((address, n) -> json.put(address, n.get()));
    return json;
  }
}
