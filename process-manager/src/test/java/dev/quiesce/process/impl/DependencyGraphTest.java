package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.process.impl.DependencyGraph.Cycle;
import dev.quiesce.process.impl.OrderedStop.Slice;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dependsOn graph: cycles, chain lengths, and the share of a stop's budget each group gets. */
class DependencyGraphTest {

  /** web → app → db, web → cache; lone depends on nothing and nothing on it. */
  private static DependencyGraph sample() {
    Map<String, List<String>> edges = new LinkedHashMap<>();
    edges.put("web", List.of("app", "cache"));
    edges.put("app", List.of("db"));
    edges.put("cache", List.of());
    edges.put("db", List.of());
    edges.put("lone", List.of());
    return new DependencyGraph(edges);
  }

  @Test
  void dependenciesFirstPutsEachNameAfterWhatItDependsOnAndKeepsTheConfigurationOrderOtherwise() {
    assertThat(sample().dependenciesFirst()).containsExactly("db", "app", "cache", "web", "lone");
  }

  @Test
  void cyclesAreFoundOnceEachAtTheEntryThatClosesThem() {
    Map<String, List<String>> edges = new LinkedHashMap<>();
    edges.put("a", List.of("b"));
    edges.put("b", List.of("c", "x"));
    edges.put("c", List.of("a"));
    edges.put("self", List.of("ok", "self"));
    edges.put("ok", List.of());
    assertThat(new DependencyGraph(edges).cycles()).containsExactly(
        new Cycle("c", 0, List.of("c", "a", "b", "c")),
        new Cycle("self", 1, List.of("self", "self")));
    assertThat(sample().cycles()).isEmpty();
  }

  @Test
  void chainsAboveAndBelow() {
    DependencyGraph g = sample();
    assertThat(List.of(g.above("web"), g.above("app"), g.above("db"), g.above("cache"), g.above("lone")))
        .containsExactly(0, 1, 2, 1, 0);
    assertThat(List.of(g.below("web"), g.below("app"), g.below("db"), g.below("cache"), g.below("lone")))
        .containsExactly(2, 1, 0, 0, 0);
    assertThat(g.dependentsOf("db")).containsExactly("app");
  }

  @Test
  void eachGroupOfAChainGetsItsSliceAndEveryDependentsSliceEndsBeforeItsDependencyMustBegin() {
    DependencyGraph g = sample();
    long begun = 1_000;
    long deadline = 10_000; // a budget of 9 s
    assertThat(Slice.of(g, "web", begun, deadline)).isEqualTo(new Slice(1_000, 4_000));
    assertThat(Slice.of(g, "app", begun, deadline)).isEqualTo(new Slice(4_000, 7_000));
    assertThat(Slice.of(g, "db", begun, deadline)).isEqualTo(new Slice(7_000, 10_000));
    // cache is second in the chain web → cache: the second half of the budget
    assertThat(Slice.of(g, "cache", begun, deadline)).isEqualTo(new Slice(5_500, 10_000));
    assertThat(Slice.of(g, "lone", begun, deadline)).isEqualTo(new Slice(1_000, 10_000));
    for (String dependency : List.of("app", "db", "cache")) {
      for (String dependent : g.dependentsOf(dependency)) {
        assertThat(Slice.of(g, dependent, begun, deadline).deadline())
            .isLessThanOrEqualTo(Slice.of(g, dependency, begun, deadline).latestStart());
      }
    }
    assertThat(Slice.of(g, "app", begun, LadderRun.NO_DEADLINE))
        .isEqualTo(new Slice(LadderRun.NO_DEADLINE, LadderRun.NO_DEADLINE));
  }
}
