package dev.quiesce.lifecycle.impl;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The order participants ask for with {@link dev.quiesce.lifecycle.Participant#after()}: the checks
 * of the whole graph (names nobody registered, cycles) and, for one phase, whom each participant
 * waits for and the deadline it is given.
 *
 * <p>"a after b" holds in every stop phase both take part in, and through participants that are not
 * in the phase: with "a after b" and "b after c", {@code a} waits for {@code c} in a phase without
 * {@code b}. The phase's budget is shared out along the longest chain: a participant with {@code h}
 * levels of participants after it, in a phase whose longest chain has {@code H + 1} levels, must
 * answer by {@code start + budget × (H + 1 − h) / (H + 1)}; one nobody waits for gets the whole
 * phase. Participants that are ordered neither way run side by side, as without any order.
 */
final class ParticipantOrder {

  private ParticipantOrder() {
  }

  /**
   * What is wrong with the graph of {@code after} (participant → the names it is after): each name
   * no participant registered, then the first cycle found; empty when the graph is valid.
   */
  static List<String> problems(Map<String, Set<String>> after) {
    List<String> problems = new ArrayList<>();
    after.forEach((name, names) -> unknown(name, names, after.keySet()).ifPresent(problems::add));
    cycleProblem(cycle(after)).ifPresent(problems::add);
    return problems;
  }

  /**
   * What is wrong with {@code newcomer} joining {@code registered} (participant → the names it is
   * after) as a participant after {@code after}: the names in {@code after} no participant registered,
   * then a cycle through the newcomer; empty when it may join. An edge of another participant to a
   * name that left (unregistered) is not the newcomer's problem: {@link #plan} skips names that left.
   * {@code registered} has no cycle (it was checked as a whole, then each newcomer), so a cycle of
   * the joined graph goes through the newcomer and is named from it.
   */
  static List<String> problemsJoining(String newcomer, Set<String> after, Map<String, Set<String>> registered) {
    List<String> problems = new ArrayList<>();
    Set<String> known = new HashSet<>(registered.keySet());
    known.add(newcomer);
    unknown(newcomer, after, known).ifPresent(problems::add);
    Map<String, Set<String>> joined = new LinkedHashMap<>(Map.of(newcomer, after));
    joined.putAll(registered);
    cycleProblem(cycle(joined)).ifPresent(problems::add);
    return problems;
  }

  private static Optional<String> unknown(String name, Set<String> after, Set<String> known) {
    Set<String> unknown = new TreeSet<>(after);
    unknown.removeAll(known);
    return unknown.isEmpty() ? Optional.empty()
        : Optional.of("participant " + name + " is after " + unknown + ", which no participant registered");
  }

  private static Optional<String> cycleProblem(List<String> cycle) {
    return cycle.isEmpty() ? Optional.empty() : Optional.of("participants ordered in a cycle: " + describe(cycle));
  }

  /** {@code a after b after a}: a cycle as the problems name it. */
  static String describe(List<String> cycle) {
    return String.join(" after ", cycle);
  }

  /**
   * The first cycle of the graph, as the names along it with the first repeated at the end
   * ({@code [a, b, a]} for "a after b, b after a"); empty without a cycle. Names nobody registered
   * end a path.
   */
  static List<String> cycle(Map<String, Set<String>> after) {
    Set<String> done = new HashSet<>();
    for (String root : after.keySet()) {
      if (done.contains(root)) {
        continue;
      }
      // depth-first, the path kept on a stack of (name, its successors not yet visited)
      Deque<String> path = new ArrayDeque<>();
      Deque<Iterator<String>> next = new ArrayDeque<>();
      Set<String> onPath = new LinkedHashSet<>();
      path.push(root);
      onPath.add(root);
      next.push(after.get(root).iterator());
      while (!path.isEmpty()) {
        if (!next.peek().hasNext()) {
          done.add(path.peek());
          onPath.remove(path.pop());
          next.pop();
          continue;
        }
        String to = next.peek().next();
        if (onPath.contains(to)) {
          List<String> cycle = new ArrayList<>();
          boolean in = false;
          for (String name : onPath) {
            in |= name.equals(to);
            if (in) {
              cycle.add(name);
            }
          }
          cycle.add(to);
          return cycle;
        }
        if (!done.contains(to) && after.containsKey(to)) {
          path.push(to);
          onPath.add(to);
          next.push(after.get(to).iterator());
        }
      }
    }
    return List.of();
  }

  /**
   * The plan of one phase.
   *
   * @param waitsFor each member → the members it waits for (empty for most)
   * @param deadlines each member → when it must have answered, in epoch ms
   */
  record Plan(Map<String, Set<String>> waitsFor, Map<String, Long> deadlines) {

    /** True when some member waits for another: the phase is published in waves. */
    boolean ordered() {
      return waitsFor.values().stream().anyMatch(w -> !w.isEmpty());
    }
  }

  /**
   * Whom each of {@code members} waits for in a phase from {@code start} to {@code deadline}, and
   * its deadline. A graph with a cycle (only possible before the order was checked) gives no order.
   */
  static Plan plan(Map<String, Set<String>> after, Set<String> members, long start, long deadline) {
    Map<String, Set<String>> waitsFor = new LinkedHashMap<>();
    for (String member : members) {
      Set<String> reached = reachable(after, member);
      if (reached.contains(member)) {
        return unordered(members, deadline);
      }
      reached.retainAll(members);
      waitsFor.put(member, reached);
    }
    Map<String, Integer> heights = new HashMap<>();
    int highest = 0;
    for (String member : members) {
      highest = Math.max(highest, height(member, waitsFor, heights));
    }
    long budget = Math.max(0, deadline - start);
    Map<String, Long> deadlines = new LinkedHashMap<>();
    for (String member : members) {
      int levels = highest + 1;
      deadlines.put(member, start + budget * (levels - heights.get(member)) / levels);
    }
    return new Plan(waitsFor, deadlines);
  }

  private static Plan unordered(Set<String> members, long deadline) {
    Map<String, Set<String>> waitsFor = new LinkedHashMap<>();
    Map<String, Long> deadlines = new LinkedHashMap<>();
    for (String member : members) {
      waitsFor.put(member, Set.of());
      deadlines.put(member, deadline);
    }
    return new Plan(waitsFor, deadlines);
  }

  /** Everyone {@code from} is after, directly or through others. */
  private static Set<String> reachable(Map<String, Set<String>> after, String from) {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(after.getOrDefault(from, Set.of()));
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (seen.add(name)) {
        todo.addAll(after.getOrDefault(name, Set.of()));
      }
    }
    return seen;
  }

  /** How many levels of members wait after {@code member}: 0 when nobody waits for it. */
  private static int height(String member, Map<String, Set<String>> waitsFor, Map<String, Integer> heights) {
    Integer known = heights.get(member);
    if (known != null) {
      return known;
    }
    int height = 0;
    for (Map.Entry<String, Set<String>> e : waitsFor.entrySet()) {
      if (e.getValue().contains(member)) {
        height = Math.max(height, 1 + height(e.getKey(), waitsFor, heights));
      }
    }
    heights.put(member, height);
    return height;
  }
}
