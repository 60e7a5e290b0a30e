package dev.quiesce.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.EventBusContract.ProcessCommand;
import dev.quiesce.lifecycle.EventBusContract.ProcessEvent;
import dev.quiesce.lifecycle.EventBusContract.ReloadOutcome;
import dev.quiesce.lifecycle.EventBusContract.UpgradeOutcome;
import dev.quiesce.lifecycle.EventBusContract.SignalAction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/EVENT-BUS.md and docs/PROCESSES.md name exactly the vocabulary of {@link EventBusContract}:
 * each table of names (lifecycle and process commands, event types, outcomes, signal actions,
 * triggers) lists every value of its type and nothing else, and every address is named.
 */
class EventBusDocTest {

  private static final Path EVENT_BUS = Path.of("..", "docs", "EVENT-BUS.md");
  private static final Path PROCESSES = Path.of("..", "docs", "PROCESSES.md");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  @Test
  void everyAddressIsNamed() throws IOException {
    String doc = Files.readString(EVENT_BUS);
    for (String address : EventBusContract.ADDRESSES) {
      assertThat(doc).as("docs/EVENT-BUS.md names %s", address).contains("`" + address + "`");
    }
    for (String fleet : List.of(EventBusContract.FLEET, EventBusContract.FLEET_LOCAL_STATUS)) {
      assertThat(doc).as("docs/EVENT-BUS.md names %s", fleet).contains("`" + fleet + "`");
    }
    String processes = Files.readString(PROCESSES);
    assertThat(processes).contains("`" + EventBusContract.PROCESS_COMMANDS + "`")
        .contains("`" + EventBusContract.PROCESS_EVENTS + "`");
  }

  @Test
  void theReasonLimitIsTheOneOfTheCode() throws IOException {
    assertThat(Files.readString(EVENT_BUS)).contains("at most " + EventBusContract.MAX_REASON_LENGTH + " characters");
  }

  @Test
  void eachTableListsExactlyTheValuesOfItsType() throws IOException {
    String doc = Files.readString(EVENT_BUS);
    assertThat(firstColumn(doc, "## `quiesce.lifecycle` — commands")).isEqualTo(wire(LifecycleCommand.values()));
    assertThat(firstColumn(doc, "## `quiesce.lifecycle.events`")).isEqualTo(wire(LifecycleEvent.values()));
    assertThat(firstColumn(doc, "A `reload` event's `outcome`")).isEqualTo(wire(ReloadOutcome.values()));
    assertThat(firstColumn(doc, "An `upgrade` event's `outcome`")).isEqualTo(wire(UpgradeOutcome.values()));
    assertThat(firstColumn(doc, "## `quiesce.signal`")).isEqualTo(wire(SignalAction.values()));
    assertThat(firstColumn(doc, "The report's `outcome`")).isEqualTo(wire(StopOutcome.values()));
    assertThat(firstColumn(doc, "The `outcome` of a participant")).isEqualTo(wire(Outcome.values()));
    assertThat(firstColumn(doc, "The report's `trigger`")).isEqualTo(wire(Trigger.values()));
    assertThat(firstColumn(Files.readString(PROCESSES), "## `quiesce.process.events`"))
        .isEqualTo(wire(ProcessEvent.values()));
    assertThat(firstColumn(Files.readString(PROCESSES), "## `quiesce.process` — commands"))
        .isEqualTo(wire(ProcessCommand.values()));
  }

  @Test
  void theReportSampleShowsOnlyOutcomesAReportHas() throws IOException {
    String doc = Files.readString(EVENT_BUS);
    String report = doc.substring(doc.indexOf("## The stop report"));
    Matcher outcome = Pattern.compile("\"outcome\": ((?:\"[a-z-]+\"\\|?)+)").matcher(report);
    assertThat(outcome.find()).as("the report sample has an outcome").isTrue();
    Set<String> shown = Arrays.stream(outcome.group(1).split("\\|")).map(s -> s.replace("\"", ""))
        .collect(Collectors.toCollection(LinkedHashSet::new));
    assertThat(wire(StopOutcome.values())).containsAll(shown);
  }

  @Test
  void theCommandRequestListsEveryCommand() throws IOException {
    assertThat(Files.readString(EVENT_BUS))
        .contains("{\"command\": " + alternatives(LifecycleCommand.wireNames()) + ", \"reason\": \"…\"}");
    assertThat(Files.readString(PROCESSES))
        .contains("{\"command\": " + alternatives(ProcessCommand.wireNames()) + ", \"group\": ");
  }

  /** {@code "a"|"b"|"c"}: the names as the docs write a field's possible values. */
  private static String alternatives(List<String> names) {
    return names.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining("|"));
  }

  /** The names in backquotes in the first column of the first table after the line starting with {@code heading}. */
  private static Set<String> firstColumn(String doc, String heading) {
    List<String> lines = doc.lines().toList();
    int at = 0;
    while (at < lines.size() && !lines.get(at).startsWith(heading)) {
      at++;
    }
    assertThat(at).as("a section starting with %s", heading).isLessThan(lines.size());
    while (at < lines.size() && !lines.get(at).startsWith("|")) {
      at++;
    }
    Set<String> names = new LinkedHashSet<>();
    for (at += 2; at < lines.size() && lines.get(at).startsWith("|"); at++) {
      Matcher name = CODE.matcher(lines.get(at).split("\\|")[1]);
      assertThat(name.find()).as("a name in backquotes in %s", lines.get(at)).isTrue();
      names.add(name.group(1));
    }
    return names;
  }

  private static Set<String> wire(WireNamed[] values) {
    return Arrays.stream(values).map(WireNamed::wireName).collect(Collectors.toCollection(LinkedHashSet::new));
  }
}
