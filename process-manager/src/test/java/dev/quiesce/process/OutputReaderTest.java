package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.quiesce.testing.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** One output reader thread per group: shared by its children, never blocked by one, gone with the group. */
class OutputReaderTest extends ProcessTestBase {

  private static final String READER = "quiesce-output";

  private LogCapture logged;

  @BeforeEach
  void captureLogs() {
    logged = new LogCapture("quiesce.process", "dev.quiesce.process");
    // a reader of an earlier test ends within a poll or two of its last child's exit
    Await.until("no output reader of an earlier test is left", Duration.ofSeconds(5),
        () -> readers(READER).isEmpty());
  }

  @AfterEach
  void release() {
    logged.detach();
  }

  /** A group of {@code sh -c script}, tagged like every test child, not restarted, without output events. */
  private JsonObject shell(String name, int instances, String script) {
    return children.group(name, instances).put("command", new JsonArray().add("sh").add("-c").add(script))
        .put("restart", "never").put("outputEvents", 0);
  }

  private static List<Thread> readers(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .toList();
  }

  private ILoggingEvent awaitLogged(String what, Predicate<ILoggingEvent> p) {
    Await.until(what, Duration.ofSeconds(10), () -> logged.events().stream().anyMatch(p));
    return logged.events().stream().filter(p).findFirst().orElseThrow();
  }

  @Test
  @Tag("slow")
  void fiftyChildrenInTwoGroupsShareTwoReaderThreadsAndEveryLineArrives() {
    String script = "i=0; while [ $i -lt 20 ]; do echo \"out $QUIESCE_INSTANCE $i\"; "
        + "echo \"err $QUIESCE_INSTANCE $i\" >&2; i=$((i+1)); done; exec sleep 60";
    deploy(ChildFixture.config(shell("alpha", 25, script), shell("beta", 25, script)));

    AtomicInteger mostReaders = new AtomicInteger();
    for (String g : List.of("alpha", "beta")) {
      Set<String> expected = new HashSet<>();
      for (int instance = 0; instance < 25; instance++) {
        for (int i = 0; i < 20; i++) {
          expected.add("[" + g + "#" + instance + " stdout] out " + instance + " " + i);
          expected.add("[" + g + "#" + instance + " stderr] err " + instance + " " + i);
        }
      }
      Await.until("every line of " + g, Duration.ofSeconds(30), () -> {
        mostReaders.accumulateAndGet(readers(READER).size(), Math::max);
        return logged.lines("quiesce.process." + g).containsAll(expected);
      });
      assertThat(logged.lines("quiesce.process." + g)).as("lines of " + g).hasSize(expected.size());
    }

    assertThat(mostReaders.get()).as("output reader threads at most, while 50 children start and write")
        .isBetween(1, 2);
    assertThat(readers(READER + "-alpha")).hasSize(1);
    assertThat(readers(READER + "-beta")).hasSize(1);
  }

  @Test
  void grandchildHoldingAnExitedChildsPipeStallsNeitherItsLastLineNorTheOtherChildren() {
    // instance 0 leaves a grandchild holding its stdout and stderr, writes a line without a newline and
    // exits; the grandchild stays in its process group until it is killed as a straggler, a second later
    String script = "if [ \"$QUIESCE_INSTANCE\" = 0 ]; then sleep 30 & sleep 0.3; printf 'last words'; exit 3; fi; "
        + "i=0; while :; do i=$((i+1)); echo \"tick $i\"; sleep 0.05; done";
    deploy(ChildFixture.config(shell("held", 2, script)));

    ILoggingEvent lastWords = awaitLogged("the exited child's last line",
        e -> e.getFormattedMessage().equals("[held#0 stdout] last words"));
    ILoggingEvent grandchildKilled = awaitLogged("the grandchild killed as a straggler",
        e -> e.getFormattedMessage().startsWith("group held instance 0: ")
            && e.getFormattedMessage().contains("left in the process group"));

    assertThat(lastWords.getTimeStamp()).as("last line logged before the grandchild let go of the pipe")
        .isLessThan(grandchildKilled.getTimeStamp());
    long ticksMeanwhile = logged.events().stream()
        .filter(e -> e.getFormattedMessage().startsWith("[held#1 stdout] tick"))
        .filter(e -> e.getTimeStamp() > lastWords.getTimeStamp()
            && e.getTimeStamp() < grandchildKilled.getTimeStamp())
        .count();
    assertThat(ticksMeanwhile).as("lines of the other child while the grandchild held the pipe (one per 50 ms)")
        .isGreaterThanOrEqualTo(3);
  }

  @Test
  void readerThreadEndsWhenItsGroupStopsAndComesBackWithIt() {
    deploy(ChildFixture.config(shell("brief", 2, "echo \"hello $QUIESCE_INSTANCE\"; exec sleep 60")));
    Await.until("both hello", Duration.ofSeconds(10),
        () -> logged.lines("quiesce.process.brief").size() == 2);
    assertThat(readers(READER)).extracting(Thread::getName).containsExactly(READER + "-brief");

    command(new JsonObject().put("command", "stop").put("group", "brief"));
    Await.until("no output reader once the group stopped", Duration.ofSeconds(5),
        () -> readers(READER).isEmpty());

    command(new JsonObject().put("command", "start").put("group", "brief"));
    Await.until("hello again", Duration.ofSeconds(10),
        () -> logged.lines("quiesce.process.brief").size() == 4);
    assertThat(readers(READER)).hasSize(1);
    command(new JsonObject().put("command", "stop").put("group", "brief"));
    Await.until("no output reader once the group stopped again", Duration.ofSeconds(5),
        () -> readers(READER).isEmpty());
  }

  @Test
  void readerThreadOfAGroupRemovedByAReloadEnds() {
    FakeCoordinator coordinator = new FakeCoordinator(vertx);
    deploy(ChildFixture.config(shell("old", 1, "echo old; exec sleep 60")), options().setLifecycleParticipant(true));
    Await.until("old's line", Duration.ofSeconds(10), () -> logged.lines("quiesce.process.old").size() == 1);

    long seq = coordinator.publish("reload", Duration.ofSeconds(30), false,
        ChildFixture.config(shell("fresh", 1, "echo fresh; exec sleep 60")));
    assertThat(coordinator.awaitAck(seq, Duration.ofSeconds(10)).getString("outcome")).isEqualTo("done");
    Await.until("fresh's line", Duration.ofSeconds(10), () -> logged.lines("quiesce.process.fresh").size() == 1);
    Await.until("the removed group's reader ended", Duration.ofSeconds(5),
        () -> readers(READER + "-old").isEmpty());
    assertThat(readers(READER)).extracting(Thread::getName).containsExactly(READER + "-fresh");
  }
}
