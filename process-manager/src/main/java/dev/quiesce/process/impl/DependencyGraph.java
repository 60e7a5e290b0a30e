package dev.quiesce.process.impl;

import dev.quiesce.process.ProcessGroupConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The groups' {@code dependsOn} as a graph: who depends on whom, the cycles, and how long the chains
 * of dependents above and of dependencies below a group are (which decide its share of a stop's
 * budget, see {@link OrderedStop}). Only edges between names of the graph are kept. Immutable.
 */
final class DependencyGraph {

  /** Name → the names it depends on, in configuration order. */
  private final Map<String, List<String>> dependsOn = new LinkedHashMap<>();
  /** Name → its {@code dependsOn} as given, for the indices of {@link Cycle}. */
  private final Map<String, List<String>> listed = new HashMap<>();
  private final Map<String, Integer> above = new HashMap<>();
  private final Map<String, Integer> below = new HashMap<>();

  /**
   * @param dependsOn name → the names it depends on, as configured: names not among the keys,
   *     {@code null}s and repeats are left out of the graph but keep the indices of the others
   */
  DependencyGraph(Map<String, List<String>> dependsOn) {
    dependsOn.forEach((name, deps) -> {
      listed.put(name, new ArrayList<>(deps));
      this.dependsOn.put(name, deps.stream().filter(d -> d != null && dependsOn.containsKey(d)).distinct().toList());
    });
  }

  /** The graph of these groups. */
  static DependencyGraph of(Collection<ProcessGroupConfig> groups) {
    Map<String, List<String>> edges = new LinkedHashMap<>();
    groups.forEach(g -> edges.put(g.name(), g.dependsOn()));
    return new DependencyGraph(edges);
  }

  /**
   * A cycle: the entry {@code index} of {@code group}'s {@code dependsOn} closes it; {@code names}
   * go round it from {@code group}, the first name repeated at the end ({@code [a, b, a]}).
   */
  record Cycle(String group, int index, List<String> names) {

    /** {@code a → b → a}. */
    String path() {
      return String.join(" → ", names);
    }
  }

  /**
   * Every cycle a depth-first walk in configuration order meets, each once, reported at the entry
   * of {@code dependsOn} that closes it (a group that depends on itself is a cycle of one).
   */
  List<Cycle> cycles() {
    List<Cycle> out = new ArrayList<>();
    Set<String> done = new LinkedHashSet<>();
    for (String start : dependsOn.keySet()) {
      walk(start, new ArrayList<>(), done, out);
    }
    return out;
  }

  private void walk(String name, List<String> path, Set<String> done, List<Cycle> out) {
    if (done.contains(name)) {
      return;
    }
    path.add(name);
    List<String> deps = dependsOn.get(name);
    for (String dep : deps) {
      int at = path.indexOf(dep);
      if (at >= 0) {
        List<String> names = new ArrayList<>();
        names.add(name);
        names.addAll(path.subList(at, path.size()));
        out.add(new Cycle(name, indexOf(name, dep), List.copyOf(names)));
      } else {
        walk(dep, path, done, out);
      }
    }
    path.remove(path.size() - 1);
    done.add(name);
  }

  private int indexOf(String group, String dep) {
    return listed.get(group).indexOf(dep);
  }

  /**
   * Every name, each after the names it depends on, configuration order otherwise (a depth-first
   * walk). Needs no cycle (one would be cut where the walk meets it again).
   */
  List<String> dependenciesFirst() {
    Set<String> out = new LinkedHashSet<>();
    Set<String> entered = new HashSet<>();
    for (String name : dependsOn.keySet()) {
      visitDependenciesFirst(name, entered, out);
    }
    return List.copyOf(out);
  }

  private void visitDependenciesFirst(String name, Set<String> entered, Set<String> out) {
    if (!entered.add(name)) {
      return;
    }
    dependsOn.get(name).forEach(dep -> visitDependenciesFirst(dep, entered, out));
    out.add(name);
  }

  /** The groups of the graph that list {@code name} in their {@code dependsOn}. */
  List<String> dependentsOf(String name) {
    List<String> out = new ArrayList<>();
    dependsOn.forEach((n, deps) -> {
      if (deps.contains(name)) {
        out.add(n);
      }
    });
    return out;
  }

  /** The names {@code name} depends on (among the graph's). */
  List<String> dependenciesOf(String name) {
    return dependsOn.getOrDefault(name, List.of());
  }

  /** The longest chain of dependents above {@code name}: 0 when no group depends on it. Needs no cycle. */
  int above(String name) {
    return longest(name, above, this::dependentsOf);
  }

  /** The longest chain of dependencies below {@code name}: 0 when it depends on none. Needs no cycle. */
  int below(String name) {
    return longest(name, below, this::dependenciesOf);
  }

  private int longest(String name, Map<String, Integer> memo, Function<String, List<String>> next) {
    Integer known = memo.get(name);
    if (known != null) {
      return known;
    }
    int longest = 0;
    for (String n : next.apply(name)) {
      longest = Math.max(longest, longest(n, memo, next) + 1);
    }
    memo.put(name, longest);
    return longest;
  }
}
