package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigProblem;
import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.ConfigSection;
import dev.quiesce.process.ProcessGroupConfig.ReadyKind;
import dev.quiesce.process.ProcessGroupConfig.Reload;
import dev.quiesce.process.ProcessGroupConfig.RestartPolicy;
import dev.quiesce.process.ProcessGroupConfig.StopStep;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The processes section: defaults, every key, and every rule with its JSON path. */
class ProcessesConfigTest {

  private static JsonObject root(JsonObject... groups) {
    return new JsonObject().put("processes", new JsonArray(List.of((Object[]) groups)));
  }

  private static JsonObject minimal(String name) {
    return new JsonObject().put("name", name).put("command", new JsonArray().add("/bin/true"));
  }

  private static List<String> problems(JsonObject root) {
    ConfigReader reader = ConfigReader.root(root);
    ProcessesConfig.read(reader);
    return reader.problems().stream().map(ConfigProblem::toString).toList();
  }

  @Test
  void minimalGroupGetsTheDocumentedDefaults() {
    ProcessGroupConfig g = ProcessesConfig.from(root(minimal("w"))).groups().get(0);
    assertThat(g.instances()).isEqualTo(1);
    assertThat(g.stopLadder()).containsExactly(new StopStep(PosixSignal.TERM, Duration.ofSeconds(10)),
        new StopStep(PosixSignal.KILL, ProcessGroupConfig.KILL_WAIT));
    assertThat(g.stopSignal()).isEqualTo(PosixSignal.TERM);
    assertThat(g.propagate()).isEmpty();
    assertThat(g.reload()).isEqualTo(Reload.RESTART);
    assertThat(g.restart().policy()).isEqualTo(RestartPolicy.ON_FAILURE);
    assertThat(g.restart().initial()).isEqualTo(Duration.ofSeconds(1));
    assertThat(g.restart().max()).isEqualTo(Duration.ofSeconds(30));
    assertThat(g.restart().maxRestarts()).isEqualTo(5);
    assertThat(g.restart().window()).isEqualTo(Duration.ofSeconds(60));
    assertThat(g.ready().kind()).isEqualTo(ReadyKind.NONE);
    assertThat(g.output()).isEqualTo(ProcessGroupConfig.Output.LOG);
    assertThat(g.maxLineLength()).isEqualTo(8192);
    assertThat(g.inheritEnv()).isTrue();
    assertThat(g.cwd()).isEmpty();
    assertThat(g.upgrade()).isEqualTo(ProcessGroupConfig.UpgradeMode.OVERLAP);
  }

  @Test
  void upgradeSaysWhenAnUpgradesSuccessorStartsTheGroupAndRefusesAnythingElse() {
    assertThat(ProcessesConfig.from(root(minimal("db").put("upgrade", "exclusive"))).groups().get(0).upgrade())
        .isEqualTo(ProcessGroupConfig.UpgradeMode.EXCLUSIVE);
    assertThat(ProcessesConfig.from(root(minimal("db").put("upgrade", "overlap"))).groups().get(0).upgrade())
        .isEqualTo(ProcessGroupConfig.UpgradeMode.OVERLAP);
    assertThat(problems(root(minimal("db").put("upgrade", "alone"), minimal("web").put("upgrade", true))))
        .containsExactly("processes[0].upgrade: \"alone\" is not one of [overlap, exclusive]",
            "processes[1].upgrade: true is not a string");
  }

  @Test
  void absentSectionHasNoGroups() {
    assertThat(ProcessesConfig.from(new JsonObject()).groups()).isEmpty();
  }

  @Test
  void everyKeyIsRead() {
    JsonObject g = minimal("web").put("cwd", "/srv").put("env", new JsonObject().put("A", "1"))
        .put("inheritEnv", false).put("instances", 3)
        .put("stopLadder", new JsonArray().add(new JsonObject().put("signal", "INT").put("wait", "5s"))
            .add(new JsonObject().put("signal", "TERM").put("wait", 2000)))
        .put("propagate", new JsonArray().add("HUP").add("USR1")).put("reload", "signal:HUP")
        .put("restart", new JsonObject().put("policy", "always").put("initial", "250ms").put("max", "2m")
            .put("multiplier", 3).put("jitter", 0.5).put("maxRestarts", 9).put("window", "10m"))
        .put("ready", new JsonObject().put("tcpPort", 8080).put("host", "::1").put("timeout", "20s"))
        .put("output", "inherit").put("maxLineLength", 1024).put("outputEvents", 0);
    ProcessGroupConfig c = ProcessesConfig.from(root(g)).groups().get(0);
    assertThat(c.cwd()).contains("/srv");
    assertThat(c.env()).containsEntry("A", "1");
    assertThat(c.inheritEnv()).isFalse();
    assertThat(c.stopLadder()).containsExactly(new StopStep(PosixSignal.INT, Duration.ofSeconds(5)),
        new StopStep(PosixSignal.TERM, Duration.ofSeconds(2)), new StopStep(PosixSignal.KILL, ProcessGroupConfig.KILL_WAIT));
    assertThat(c.propagate()).containsExactlyInAnyOrder(PosixSignal.HUP, PosixSignal.USR1);
    assertThat(c.reload()).isEqualTo(new Reload(Reload.Mode.SIGNAL, PosixSignal.HUP));
    assertThat(c.restart().policy()).isEqualTo(RestartPolicy.ALWAYS);
    assertThat(c.restart().max()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.restart().multiplier()).isEqualTo(3.0);
    assertThat(c.ready().kind()).isEqualTo(ReadyKind.TCP_PORT);
    assertThat(c.ready().tcpPort()).isEqualTo(8080);
    assertThat(c.ready().host()).isEqualTo("::1");
    assertThat(c.output()).isEqualTo(ProcessGroupConfig.Output.INHERIT);
    assertThat(c.worstCaseStop()).isEqualTo(Duration.ofSeconds(12));
  }

  @Test
  void problemsNameTheirJsonPathAndRule() {
    JsonObject bad = minimal("ok").put("stopLadder", new JsonArray()
        .add(new JsonObject().put("signal", "TERMINATE").put("wait", "5s"))
        .add(new JsonObject().put("signal", "KILL"))
        .add(new JsonObject().put("signal", "TERM").put("wait", "1s"))
        .add(new JsonObject().put("signal", "STOP").put("wait", "1s"))
        .add(new JsonObject().put("signal", "INT")));
    List<String> p = problems(root(minimal("a").put("stopTimout", "5s"), bad));
    assertThat(p).contains(
        "processes[0].stopTimout: is not a known key; did you mean \"stopTimeout\"?",
        "processes[1].stopLadder[1].signal: KILL must be the last step: nothing can follow it",
        "processes[1].stopLadder[3].signal: \"STOP\" cannot stop a process (it suspends or resumes it)",
        "processes[1].stopLadder[4].wait: is required: how long to wait for the exit before the next step");
    assertThat(p).anyMatch(s -> s.startsWith("processes[1].stopLadder[0].signal: \"TERMINATE\" is not a signal name;"
        + " use one of"));
  }

  /** One rule for signal names everywhere: the same spellings as {@code lifecycle.signals} (issue 11). */
  @ParameterizedTest
  @ValueSource(strings = {"sigterm", "SIGTERM", "TERM", "term"})
  void stopSignalAcceptsTheSpellingsOfLifecycleSignals(String spelling) {
    ProcessGroupConfig g = ProcessesConfig.from(root(minimal("w").put("stopSignal", spelling)
        .put("propagate", new JsonArray().add(spelling)))).groups().get(0);
    assertThat(g.stopSignal()).isEqualTo(PosixSignal.TERM);
    assertThat(g.propagate()).containsExactly(PosixSignal.TERM);
  }

  @Test
  void everyRuleIsChecked() {
    List<String> p = problems(root(
        new JsonObject().put("name", "x y").put("command", "/bin/worker --fast"),
        minimal("dup"), minimal("dup"),
        minimal("m").put("stopSignal", "TERM").put("stopLadder", new JsonArray()),
        minimal("p").put("propagate", new JsonArray().add("USR2").add("KILL").add("HUPP").add(3)),
        minimal("r").put("reload", "graceful").put("restart", new JsonObject().put("policy", "sometimes")
            .put("initial", "5s").put("max", "1s").put("jitter", 2)),
        minimal("q").put("ready", new JsonObject().put("delay", "1s").put("logLine", "(")).put("output", "discard"),
        minimal("t").put("instances", 3).put("ready", new JsonObject().put("tcpPort", 65534)),
        minimal("n").put("instances", -1).put("maxLineLength", 10).put("command", new JsonArray()),
        new JsonObject().put("command", new JsonArray().add("")),
        minimal("s").put("reload", "signal:KILL").put("restart", 5).put("env", new JsonObject().put("A=B", "1")),
        minimal("z").put("stopSignal", "NOPE").put("stopTimeout", "soon")));
    assertThat(p).contains(
        "processes[0].name: \"x y\" is not a valid group name; use letters, digits, '_', '.' and '-', starting with"
            + " a letter or digit, at most 64 characters",
        "processes[0].command: \"/bin/worker --fast\" is a string; write an array of the program and its arguments"
            + " (no shell is used unless you name one, e.g. [\"sh\", \"-c\", \"…\"])",
        "processes[2].name: \"dup\" is already the name of processes[1]; group names must be unique",
        "processes[3].stopLadder: give either stopLadder or stopSignal/stopTimeout, not both",
        "processes[3].stopLadder: must have at least one step, e.g. [{\"signal\":\"TERM\",\"wait\":\"10s\"}]",
        "processes[4].propagate[0]: \"USR2\" cannot be propagated: the JVM can catch only TERM, INT, HUP, USR1, WINCH",
        "processes[4].propagate[1]: \"KILL\" cannot be propagated: the JVM can catch only TERM, INT, HUP, USR1, WINCH",
        "processes[4].propagate[3]: 3 is not a string",
        "processes[5].reload: \"graceful\" is not \"restart\" or \"signal:<NAME>\" (e.g. \"signal:HUP\")",
        "processes[5].restart.policy: \"sometimes\" is not one of [never, on-failure, always]",
        "processes[5].restart.max: 1s is shorter than initial (5s)",
        "processes[5].restart.jitter: 2 is out of range; it must be between 0.0 and 1.0",
        "processes[6].ready: give only one of delay, logLine and tcpPort (found delay, logLine)",
        "processes[6].ready.logLine: needs the group's output to be \"log\" (it is read from the child's output)",
        "processes[7].ready.tcpPort: 65534 leaves no port for the last instance (instance i uses tcpPort + i)",
        "processes[8].instances: -1 is out of range; it must be between 0 and 1000",
        "processes[8].maxLineLength: 10 is out of range; it must be between 256 and 1048576",
        "processes[8].command: must name at least the program",
        "processes[9].name: is required",
        "processes[9].command[0]: must name the program",
        "processes[10].reload: \"signal:KILL\": KILL cannot ask a process to reload",
        "processes[10].restart: 5 is neither a policy (never, on-failure, always) nor an object",
        "processes[10].env: \"A=B\" is not a valid variable name (empty, or has '=' or NUL)",
        "processes[11].stopTimeout: \"soon\" is not a duration; use 250ms, 5s, 2m, 1h or an integer of milliseconds");
    assertThat(p).anyMatch(s -> s.startsWith("processes[4].propagate[2]: \"HUPP\" is not a signal name; use one of"));
    assertThat(p).anyMatch(s -> s.startsWith("processes[6].ready.logLine: \"(\" is not a valid regular expression"));
    assertThat(p).anyMatch(s -> s.startsWith("processes[11].stopSignal: \"NOPE\" is not a signal name"));
  }

  @Test
  void readyNotifyIsAReadinessKindOfItsOwnWithItsTimeout() {
    ProcessGroupConfig g = ProcessesConfig.from(root(minimal("n").put("ready",
        new JsonObject().put("notify", true).put("timeout", "20s")))).groups().get(0);
    assertThat(g.ready().kind()).isEqualTo(ReadyKind.NOTIFY);
    assertThat(g.ready().timeout()).isEqualTo(Duration.ofSeconds(20));
    List<String> p = problems(root(
        minimal("a").put("ready", new JsonObject().put("notify", false)),
        minimal("b").put("ready", new JsonObject().put("notify", "yes")),
        minimal("c").put("ready", new JsonObject().put("notify", true).put("delay", "1s")),
        minimal("d").put("ready", new JsonObject().put("notify", true).put("timeout", "0s")),
        minimal("e").put("ready", new JsonObject().put("notfy", true))));
    assertThat(p).contains(
        "processes[0].ready.notify: false is not a readiness check; write true (ready on READY=1 to NOTIFY_SOCKET)"
            + " or leave the key out",
        "processes[1].ready.notify: \"yes\" is not a boolean (true or false)",
        "processes[2].ready.notify: is a readiness check of its own: give it without delay");
    assertThat(p).anyMatch(s -> s.startsWith("processes[3].ready.timeout: 0s is out of range"));
    assertThat(p).contains("processes[4].ready.notfy: is not a known key; did you mean \"notify\"?");
  }

  @Test
  void dependsOnNamesTheGroupsAGroupStartsAfterAndStopsBefore() {
    ProcessesConfig c = ProcessesConfig.from(root(minimal("cache"), minimal("db"),
        minimal("web").put("dependsOn", new JsonArray().add("db").add("cache"))));
    assertThat(c.group("web").orElseThrow().dependsOn()).containsExactly("db", "cache");
    assertThat(c.group("cache").orElseThrow().dependsOn()).isEmpty();
  }

  @Test
  void dependsOnRefusesUnknownNamesRepeatsAndCyclesNamingThePathAndTheCycle() {
    List<String> p = problems(root(
        minimal("a").put("dependsOn", new JsonArray().add("b")),
        minimal("b").put("dependsOn", new JsonArray().add("c")),
        minimal("c").put("dependsOn", new JsonArray().add("a")),
        minimal("d").put("dependsOn", new JsonArray().add("cach").add("a").add("a").add(3)),
        minimal("e").put("dependsOn", new JsonArray().add("e")),
        minimal("f").put("dependsOn", "a")));
    assertThat(p).containsExactlyInAnyOrder(
        "processes[2].dependsOn[0]: \"a\" closes a cycle: c → a → b → c; a group cannot start after (and stop"
            + " before) itself",
        "processes[3].dependsOn[3]: 3 is not a string",
        "processes[3].dependsOn[0]: \"cach\" is not the name of a group; groups are [a, b, c, d, e, f]",
        "processes[3].dependsOn[2]: \"a\" is already listed at dependsOn[1]",
        "processes[4].dependsOn[0]: \"e\" closes a cycle: e → e; a group cannot start after (and stop before) itself",
        "processes[5].dependsOn: \"a\" is not an array");
    assertThatThrownBy(() -> ProcessesConfig.from(root(minimal("a").put("dependsOn", new JsonArray().add("a")))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("processes[0].dependsOn[0]");
  }

  /** Paths count the entries as written: unknown names, repeats and non-strings before an entry move it nowhere. */
  @Test
  void dependsOnProblemsAreReportedAtTheirIndexInTheConfiguration() {
    List<String> p = problems(root(
        minimal("a").put("dependsOn", new JsonArray().add("b")),
        minimal("b").put("dependsOn", new JsonArray().add("nope").add("a")),
        minimal("c").put("dependsOn", new JsonArray().add(3).add("nope")),
        minimal("d").put("dependsOn", new JsonArray().add("c").add("c").add("d"))));
    assertThat(p).containsExactlyInAnyOrder(
        "processes[1].dependsOn[0]: \"nope\" is not the name of a group; groups are [a, b, c, d]",
        "processes[1].dependsOn[1]: \"a\" closes a cycle: b → a → b; a group cannot start after (and stop before)"
            + " itself",
        "processes[2].dependsOn[0]: 3 is not a string",
        "processes[2].dependsOn[1]: \"nope\" is not the name of a group; groups are [a, b, c, d]",
        "processes[3].dependsOn[1]: \"c\" is already listed at dependsOn[0]",
        "processes[3].dependsOn[2]: \"d\" closes a cycle: d → d; a group cannot start after (and stop before) itself");
  }

  @Test
  void invalidConfigurationThrowsWithEveryProblem() {
    assertThatThrownBy(() -> ProcessesConfig.from(new JsonObject().put("processes", new JsonObject())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("processes: an object is not an array");
    assertThatThrownBy(() -> ProcessesConfig.from(root(minimal("a").put("instances", "two"), minimal("b").put("x", 1))))
        .isInstanceOf(ConfigException.class).satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(2));
  }

  @Test
  void sectionIsFoundByTheLauncherAndAsksForEveryPropagatedSignal() {
    ConfigSection section = ServiceLoader.load(ConfigSection.class).stream().map(ServiceLoader.Provider::get)
        .filter(s -> s.name().equals("processes")).findFirst().orElseThrow();
    assertThat(section.defaults()).isEqualTo(new JsonObject().put("processes", new JsonArray()));
    JsonObject config = root(minimal("a").put("propagate", new JsonArray().add("HUP")),
        minimal("b").put("propagate", new JsonArray().add("USR1").add("HUP")), minimal("c"));
    assertThat(section.signalsToCatch(config)).containsExactly(PosixSignal.HUP, PosixSignal.USR1);
    ConfigReader reader = ConfigReader.root(root(minimal("a").put("stopSignal", "TERMINATE")));
    section.validate(reader);
    assertThat(reader.problems()).singleElement().satisfies(pr -> assertThat(pr.path()).isEqualTo("processes[0].stopSignal"));
    ConfigReader cycle = ConfigReader.root(root(minimal("a").put("dependsOn", new JsonArray().add("b")),
        minimal("b").put("dependsOn", new JsonArray().add("a"))));
    section.validate(cycle);
    assertThat(cycle.problems()).singleElement()
        .satisfies(pr -> assertThat(pr.path()).isEqualTo("processes[1].dependsOn[0]"));
  }
}
