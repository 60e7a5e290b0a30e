package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.ProcFs;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The faults of an upgrade in place against the fat jar (issue 12): a command that does not exist, a
 * successor that exits at once, one that binds nothing and is never ready, a successor jar that runs
 * but never says ready, two upgrades at once, an upgrade during a reload, a stop before the successor
 * is ready, SIGKILL of the successor before it is ready, a state directory that cannot be made. In each the old process serves on (or stops as any
 * stop does), the reason is named in the {@code upgrade} event and the log, and no process of the
 * successor is left (found by pid and process group in /proc).
 */
class UpgradeFaultsIT {

  private static final Duration EVENT = Duration.ofSeconds(60);
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @TempDir
  Path dir;

  /** A successor JVM this test found (the fault tests end it themselves; this is for a failed assertion). */
  private long successorJvm = -1;

  @AfterEach
  void endTheSuccessor() throws Exception {
    ExampleAppFixture.endByPid(successorJvm);
  }

  /** The fixture (the workers group only) with {@code upgrade}: a state directory in the test's and these settings. */
  private ExampleAppFixture fixture(JsonObject upgrade) throws IOException {
    ExampleAppFixture f = new ExampleAppFixture(dir);
    f.config.put("upgrade", new JsonObject().put("stateDir", dir.resolve("state").toString()).mergeIn(upgrade));
    return f;
  }

  private static JsonObject command(String... argv) {
    return new JsonObject().put("command", new JsonArray(List.of(argv)));
  }

  @Test
  void anUpgradeCommandThatDoesNotExistIsRolledBackWithExitCode127AndTheOldProcessServesOn() throws Exception {
    String missing = dir.resolve("no-such-version").toString();
    try (ExampleAppFixture f = fixture(command(missing))) {
      f.start();
      try (LifecycleEvents events = LifecycleEvents.follow(f.client, f.managementPort)) {

        assertThat(f.command("upgrade").statusCode()).isEqualTo(202);

        JsonObject failed = events.upgrade("failed");
        assertThat(failed.getString("error")).isEqualTo("the successor exited with code 127 before it was ready");
        assertThat(failed.getJsonArray("output").encode()).contains(missing).contains("not found");
        f.app.awaitLine("upgrade failed, this process serves on: the successor exited with code 127", EVENT);
        assertTheOldProcessServesOn(f, failed);
      }
    }
  }

  @Test
  void aSuccessorThatExitsAtOnceWithABadConfigurationIsRolledBackWithItsLastLines() throws Exception {
    ExampleAppFixture f = new ExampleAppFixture(dir);
    JsonObject bad = f.config.copy();
    bad.getJsonObject("lifecycle").put("shutdownTimeout", "soon");
    Path badConfig = Files.writeString(dir.resolve("v2-config.json"), bad.encodePrettily());
    f.config.put("upgrade", new JsonObject().put("stateDir", dir.resolve("state").toString())
        .put("command", new JsonArray(List.of(JAVA, "-Xmx256m", "-jar", System.getProperty("example.jar"),
            "--config", badConfig.toString()))));
    // this one is asked for with a signal, as systemd would (systemctl kill -s USR1)
    f.config.getJsonObject("lifecycle").getJsonObject("signals").put("USR1", "upgrade");
    try (f) {
      f.start();
      try (LifecycleEvents events = LifecycleEvents.follow(f.client, f.managementPort)) {

        f.app.signal("USR1");

        JsonObject failed = events.upgrade("failed");
        assertThat(failed.getString("reason")).contains("SIGUSR1");
        assertThat(failed.getString("error")).isEqualTo("the successor exited with code "
            + ExitCodes.INVALID_CONFIG + " before it was ready");
        assertThat(failed.getJsonArray("output").getList()).anySatisfy(line -> assertThat((String) line)
            .contains("invalid configuration: lifecycle.shutdownTimeout: \"soon\" is not a duration"));
        f.app.awaitLine("^  .*invalid configuration: lifecycle.shutdownTimeout", Duration.ofSeconds(5));
        assertTheOldProcessServesOn(f, failed);
      }
    }
  }

  @Test
  void aSuccessorThatBindsNothingIsEndedWithItsWholeProcessGroupAfterTheTimeout() throws Exception {
    try (ExampleAppFixture f = fixture(command("sh", "-c", "echo version 2 waits forever; sleep 600 & sleep 600")
        .put("timeout", "2s"))) {
      f.start();
      try (LifecycleEvents events = LifecycleEvents.follow(f.client, f.managementPort)) {
        long asked = System.nanoTime();

        assertThat(f.command("upgrade").statusCode()).isEqualTo(202);

        long group = events.upgrade("started").getLong("successorGroup");
        List<Integer> members = Await.value("the successor's group runs its two sleeps", Duration.ofSeconds(10), () -> {
          List<Integer> m = groupMembers(group);
          return m.stream().filter(p -> cmdline(p).startsWith("sleep")).count() == 2 ? m : null;
        });
        JsonObject failed = events.upgrade("failed");
        long tookMs = (System.nanoTime() - asked) / 1_000_000;
        assertThat(tookMs).isGreaterThanOrEqualTo(2000).isLessThan(Timing.upTo(2000 + 15_000));
        assertThat(failed.getString("error")).isEqualTo("the successor was not ready within 2000 ms (upgrade.timeout)");
        assertThat(failed.getJsonArray("output").getList()).contains("version 2 waits forever");
        assertThat(members).as("the successor's processes").allSatisfy(p -> assertThat(ProcFs.isZombie(p)).isTrue());
        assertTheOldProcessServesOn(f, failed);
      }
    }
  }

  @Test
  void twoUpgradesAtOnceStartOneSuccessorAndTheOtherIsRefusedWith409NamingIt() throws Exception {
    try (ExampleAppFixture f = fixture(command("sh", "-c", "sleep 600").put("timeout", "2s"))) {
      f.start();
      ExecutorService clients = Executors.newFixedThreadPool(2);
      try (LifecycleEvents events = LifecycleEvents.follow(f.client, f.managementPort)) {
        Callable<HttpResponse<String>> upgrade = () -> f.command("upgrade");

        List<HttpResponse<String>> both = new ArrayList<>();
        for (Future<HttpResponse<String>> answer : clients.invokeAll(List.of(upgrade, upgrade))) {
          both.add(answer.get());
        }

        assertThat(both).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(202, 409);
        long group = events.upgrade("started").getLong("successorGroup");
        assertThat(both).filteredOn(r -> r.statusCode() == 409).singleElement().extracting(HttpResponse::body)
            .asString().contains("upgrade refused: an upgrade is already running (successor process group "
            + group + ")");
        assertThat(f.status().getBoolean("upgrading")).isTrue();
        // the one that runs goes on as if the other had not been asked for
        JsonObject failed = events.upgrade("failed");
        assertThat(failed.getString("error")).isEqualTo("the successor was not ready within 2000 ms (upgrade.timeout)");
        assertThat(events.received()).filteredOn(e -> "upgrade".equals(e.getString("type"))).hasSize(2);
        assertTheOldProcessServesOn(f, failed);
      } finally {
        clients.shutdownNow();
      }
    }
  }

  @Test
  void anUpgradeDuringAReloadIsRefusedWith409() throws Exception {
    ExampleAppFixture f = fixture(new JsonObject());
    // the reload restarts the workers one at a time, each taking 3 s to clean up: it runs for 6 s or more
    f.workers().getJsonObject("env").put("WORKER_CLEANUP_SECONDS", "3");
    try (f) {
      f.start();
      assertThat(f.command("reload").statusCode()).isEqualTo(202);
      assertThat(f.status().getString("state")).isEqualTo("RELOADING");

      HttpResponse<String> refused = f.command("upgrade");

      assertThat(refused.statusCode()).isEqualTo(409);
      assertThat(refused.body()).contains("upgrade refused: a reload is running");
      assertThat(f.status().getString("state")).as("the refusal happened during the reload").isEqualTo("RELOADING");
      f.app.awaitLine("reload done in \\d+ ms", EVENT);
      assertThat(f.app.output()).doesNotContain("starting the successor");
      assertThat(f.app.stop("TERM", Duration.ofSeconds(40)).code()).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  /**
   * Run as root, a directory's mode does not keep this process out, so: a file where the directory
   * should be (it cannot be created), {@code /proc/self}, this JVM's own /proc directory, which not
   * even root can write, and {@code /sys}, which the JDK's writability check calls writable for root
   * although no file can be made in it (the upgrade tries one).
   */
  @ParameterizedTest(name = "the state directory {0}")
  @ValueSource(strings = {"cannot be created", "cannot be written", "refuses a new file"})
  void aStateDirectoryThatCannotBeMadeOrWrittenRefusesTheUpgradeWithItsPathAndTheStartIsNotAffected(String how)
      throws Exception {
    Path stateDir = switch (how) {
      case "cannot be created" -> Files.writeString(dir.resolve("state-is-a-file"), "x").resolve("state");
      case "cannot be written" -> Path.of("/proc/self");
      default -> Path.of("/sys");
    };
    String why = how.equals("cannot be created") ? how : "cannot be written";
    try (ExampleAppFixture f = fixture(new JsonObject().put("stateDir", stateDir.toString()))) {
      f.start();
      assertThat(f.status().getString("state")).isEqualTo("RUNNING");

      HttpResponse<String> refused = f.command("upgrade");

      assertThat(refused.statusCode()).isEqualTo(409);
      assertThat(refused.body()).contains("upgrade refused: the state directory " + stateDir
          + " (upgrade.stateDir) " + why);
      assertThat(f.get("/hello").statusCode()).isEqualTo(200);
      assertThat(f.app.output()).doesNotContain("starting the successor");
      assertThat(f.app.stop("TERM", Duration.ofSeconds(40)).code()).isEqualTo(ExitCodes.GRACEFUL);
    }
  }

  @Test
  void aStopBeforeTheSuccessorIsReadyEndsTheSuccessorFirstAndThePredecessorStopsAsAnyStopLeavingNothingRunning()
      throws Exception {
    try (ExampleAppFixture f = withASuccessorThatNeverSaysReady()) {
      f.start();
      try (LifecycleEvents events = LifecycleEvents.follow(f.client, f.managementPort)) {
        long group = upgradeToASuccessorNotYetReady(f, events);

        JvmProcess.Exit exit = f.app.stop("TERM", Duration.ofSeconds(60));

        assertThat(exit.code()).as(f.app.output()).isEqualTo(ExitCodes.GRACEFUL);
        assertThat(f.report().getString("trigger")).isEqualTo("signal");
        String out = f.app.output();
        assertThat(out).contains("a stop (SIGTERM) came during the upgrade: ending the successor (successor process group "
            + group + ")");
        assertThat(out.indexOf("came during the upgrade: ending the successor"))
            .as("the successor is ended before this process's stop begins its phases")
            .isLessThan(out.indexOf("phase=announce begins"));
        Await.until("nothing this test started runs", Duration.ofSeconds(30),
            () -> ProcFs.liveTagged("TEST_RUN_TAG", f.app.tag()).isEmpty());
      }
    }
  }

  @Test
  void aSuccessorJarThatNeverSaysReadyIsEndedWithItsWorkersAfterTheTimeout() throws Exception {
    ExampleAppFixture f = withASuccessorThatNeverSaysReady();
    f.config.getJsonObject("upgrade").put("timeout", "8s");
    try (f) {
      f.start();
      try (LifecycleEvents events = LifecycleEvents.follow(f.client, f.managementPort)) {
        long asked = System.nanoTime();
        upgradeToASuccessorNotYetReady(f, events);
        List<Long> successorsWorkers = childrenOf(successorJvm);

        JsonObject failed = events.upgrade("failed");

        long tookMs = (System.nanoTime() - asked) / 1_000_000;
        // TERM to the successor's group: its JVM stops itself and its workers (KILL after 10 s otherwise)
        assertThat(tookMs).isGreaterThanOrEqualTo(8000).isLessThan(Timing.upTo(8000 + 20_000));
        assertThat(failed.getString("error")).isEqualTo("the successor was not ready within 8000 ms (upgrade.timeout)");
        assertThat(ProcFs.isZombie(Math.toIntExact(successorJvm))).as("the successor's JVM is gone").isTrue();
        assertTheSuccessorIsGone(f, successorsWorkers);
        assertTheOldProcessServesOn(f, failed);
      }
    }
  }

  @Test
  void aSuccessorKilledBeforeItIsReadyIsRolledBackAndTheOldProcessServesOn() throws Exception {
    try (ExampleAppFixture f = withASuccessorThatNeverSaysReady()) {
      f.start();
      try (LifecycleEvents events = LifecycleEvents.follow(f.client, f.managementPort)) {
        long group = upgradeToASuccessorNotYetReady(f, events);
        List<Long> successorsWorkers = childrenOf(successorJvm);

        JvmProcess.kill("KILL", successorJvm);

        JsonObject failed = events.upgrade("failed");
        assertThat(failed.getString("error")).isEqualTo("the successor exited with code 137 before it was ready");
        // the successor's own children (its workers, sessions of their own) end with it: parent-death signal
        assertTheSuccessorIsGone(f, successorsWorkers);
        assertTheOldProcessServesOn(f, failed);
      }
    }
  }

  /**
   * The fixture whose {@code upgrade.command} runs the same jar and configuration (its own report file)
   * with the handover socket's variable pointing where nothing listens: the successor starts, runs its
   * workers and serves beside this process, but its {@code ready} never reaches this one, so for
   * this process the upgrade stays before the handover until the test acts (or the timeout).
   */
  private ExampleAppFixture withASuccessorThatNeverSaysReady() throws IOException {
    ExampleAppFixture f = fixture(new JsonObject());
    JsonObject v2 = f.config.copy();
    v2.getJsonObject("lifecycle").put("reportFile", dir.resolve("v2-report.json").toString());
    Path file = Files.writeString(dir.resolve("v2-config.json"), v2.encodePrettily());
    f.config.getJsonObject("upgrade").put("command", new JsonArray(List.of("env",
        "QUIESCE_UPGRADE_SOCKET=" + dir.resolve("nothing-listens-here.sock"), JAVA, "-Xmx256m",
        "-XX:TieredStopAtLevel=1", "-jar", System.getProperty("example.jar"), "--config", file.toString())));
    return f;
  }

  /**
   * Asks {@code f} for an upgrade and waits until the successor's JVM (in {@link #successorJvm}) runs
   * its workers; returns the successor's process group.
   */
  private long upgradeToASuccessorNotYetReady(ExampleAppFixture f, LifecycleEvents events) throws Exception {
    assertThat(f.command("upgrade").statusCode()).isEqualTo(202);
    long group = events.upgrade("started").getLong("successorGroup");
    successorJvm = successorRunning(group);
    return group;
  }

  /** The successor's JVM in process group {@code group}, once it runs its workers. */
  private static long successorRunning(long group) {
    return Await.value("the successor's JVM runs its workers", Duration.ofSeconds(60), () -> {
      Stream<ProcessHandle> jvms = ProcessHandle.of(group).stream().flatMap(ProcessHandle::descendants)
          .filter(p -> cmdline(p.pid()).startsWith(JAVA + " ") && cmdline(p.pid()).contains("example-app.jar"));
      return jvms.filter(jvm -> jvm.children().filter(c -> cmdline(c.pid()).contains("worker.sh")).count() == 2)
          .map(ProcessHandle::pid).findFirst().orElse(null);
    });
  }

  /** The children of {@code pid} (a successor's workers), at least one. */
  private static List<Long> childrenOf(long pid) {
    List<Long> children = ProcessHandle.of(pid).stream().flatMap(ProcessHandle::children).map(ProcessHandle::pid)
        .toList();
    assertThat(children).as("the children of " + pid).isNotEmpty();
    return children;
  }

  /** The successor's workers are gone, and of what this test started only the old process and its own children run. */
  private static void assertTheSuccessorIsGone(ExampleAppFixture f, List<Long> successorsWorkers) {
    Await.until("the successor's workers " + successorsWorkers + " are gone", Duration.ofSeconds(20),
        () -> successorsWorkers.stream().allMatch(p -> ProcFs.isZombie(Math.toIntExact(p))));
    Await.until("only the old process and its own children run", Duration.ofSeconds(20),
        () -> notThePredecessors(f).isEmpty());
  }

  /** The process serves {@code /hello} itself, is RUNNING, the successor's group is gone, and a later stop is an ordinary one. */
  private static void assertTheOldProcessServesOn(ExampleAppFixture f, JsonObject failed) throws Exception {
    long group = failed.getLong("successorGroup");
    Await.until("the successor's group " + group + " is gone", Duration.ofSeconds(15),
        () -> groupMembers(group).isEmpty());
    HttpResponse<String> hello = f.get("/hello");
    assertThat(hello.statusCode()).isEqualTo(200);
    assertThat(hello.headers().firstValue("X-Pid")).contains(String.valueOf(f.app.pid()));
    assertThat(f.status().getString("state")).isEqualTo("RUNNING");
    assertThat(f.app.stop("TERM", Duration.ofSeconds(40)).code()).as(f.app.output()).isEqualTo(ExitCodes.GRACEFUL);
    assertThat(f.report().getString("trigger")).isEqualTo("signal");
  }

  /** The live processes (zombies aside) of process group {@code group}. */
  private static List<Integer> groupMembers(long group) {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
          .map(Integer::valueOf).filter(p -> ProcFs.processGroup(p) == group && !ProcFs.isZombie(p)).toList();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
  }

  /** This test's live processes that are neither the old process nor its descendants. */
  private static List<Integer> notThePredecessors(ExampleAppFixture f) {
    List<Integer> tagged = ProcFs.liveTagged("TEST_RUN_TAG", f.app.tag());
    long pid = f.app.pid();
    Set<Long> own = ProcessHandle.of(pid).stream().flatMap(p -> Stream.concat(Stream.of(p), p.descendants()))
        .map(ProcessHandle::pid).collect(Collectors.toSet());
    // a worker's short-lived sleep may end between the two looks: only what still runs counts
    return tagged.stream().filter(p -> !own.contains((long) p) && !ProcFs.isZombie(p)).toList();
  }

  /** {@code /proc/<pid>/cmdline} with spaces between the arguments, or empty when it is gone. */
  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' ').strip();
    } catch (IOException e) {
      return "";
    }
  }
}
