package dev.quiesce.lifecycle.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ParticipantOrder}: the checks of the graph and the plan of one phase, without a coordinator. */
class ParticipantOrderPlanTest {

  /** A graph from pairs: {@code graph("a", "b,c")} is "a after b and c"; an empty list is after nobody. */
  private static Map<String, Set<String>> graph(String... nameAndAfter) {
    Map<String, Set<String>> graph = new LinkedHashMap<>();
    for (int i = 0; i < nameAndAfter.length; i += 2) {
      graph.put(nameAndAfter[i], nameAndAfter[i + 1].isEmpty() ? Set.of() : Set.of(nameAndAfter[i + 1].split(",")));
    }
    return graph;
  }

  @Test
  void aDiamondIsNoCycleAndItsChainSharesTheBudgetInThirds() {
    Map<String, Set<String>> diamond = graph("a", "b,c", "b", "d", "c", "d", "d", "");
    assertThat(ParticipantOrder.problems(diamond)).isEmpty();

    ParticipantOrder.Plan plan = ParticipantOrder.plan(diamond, Set.of("a", "b", "c", "d"), 1000, 4000);

    assertThat(plan.ordered()).isTrue();
    assertThat(plan.waitsFor()).containsEntry("a", Set.of("b", "c", "d")).containsEntry("b", Set.of("d"))
        .containsEntry("d", Set.of());
    assertThat(plan.deadlines()).containsEntry("d", 2000L).containsEntry("b", 3000L).containsEntry("c", 3000L)
        .containsEntry("a", 4000L);
  }

  @Test
  void theOrderHoldsThroughAParticipantThatIsNotInThePhase() {
    ParticipantOrder.Plan plan = ParticipantOrder.plan(graph("a", "b", "b", "c", "c", "", "x", ""),
        Set.of("a", "c", "x"), 0, 1000);

    assertThat(plan.waitsFor()).containsEntry("a", Set.of("c")).containsEntry("x", Set.of());
    assertThat(plan.deadlines()).containsEntry("c", 500L).containsEntry("a", 1000L).containsEntry("x", 1000L);
  }

  @Test
  void withoutAfterEveryoneKeepsTheWholePhase() {
    ParticipantOrder.Plan plan = ParticipantOrder.plan(graph("a", "", "b", ""), Set.of("a", "b"), 0, 1000);

    assertThat(plan.ordered()).isFalse();
    assertThat(plan.deadlines()).containsEntry("a", 1000L).containsEntry("b", 1000L);
  }

  @Test
  void aNewcomerAnswersOnlyForItsOwnNamesAndTheCyclesThroughIt() {
    // http left: pool's edge to it dangles, which the phases skip and which is nobody's problem
    Map<String, Set<String>> registered = graph("pool", "http", "cache", "pool");

    assertThat(ParticipantOrder.problemsJoining("metrics", Set.of(), registered)).isEmpty();
    assertThat(ParticipantOrder.problemsJoining("late", Set.of("http", "pool"), registered))
        .containsExactly("participant late is after [http], which no participant registered");
    assertThat(ParticipantOrder.problemsJoining("http", Set.of("cache"), registered))
        .containsExactly("participants ordered in a cycle: http after cache after pool after http");
    assertThat(ParticipantOrder.plan(registered, Set.of("pool", "cache"), 0, 1000).waitsFor())
        .containsEntry("pool", Set.of()).containsEntry("cache", Set.of("pool"));
  }

  @Test
  void theCycleIsNamedAlongItsPathAndUnknownNamesPerParticipant() {
    Map<String, Set<String>> graph = graph("web", "", "pool", "consumers", "consumers", "cache",
        "cache", "pool,web", "metrics", "htp,web");

    assertThat(ParticipantOrder.cycle(graph)).containsExactly("pool", "consumers", "cache", "pool");
    assertThat(ParticipantOrder.problems(graph)).containsExactly(
        "participant metrics is after [htp], which no participant registered",
        "participants ordered in a cycle: pool after consumers after cache after pool");
    assertThat(ParticipantOrder.cycle(graph("a", "a"))).isEqualTo(List.of("a", "a"));
  }

  @Test
  void aPhaseWhoseParticipantsFormACycleIsPublishedUnordered() {
    ParticipantOrder.Plan plan = ParticipantOrder.plan(graph("a", "b", "b", "a"), Set.of("a", "b"), 0, 1000);

    assertThat(plan.ordered()).isFalse();
  }
}
