package dev.quiesce.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.process.impl.NotifySend;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.ProcFs;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The sd_notify protocol with real children and the real socket: each child sends with
 * {@link NotifySend} (a JVM started by the child, or the child itself) or with systemd's own
 * {@code systemd-notify}; the test JVM plays a process outside every child's group.
 */
class NotifyTest extends ProcessTestBase {

  private static final Duration SLOW = Duration.ofSeconds(60);
  private static final String SEND = "\"$JAVA\" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp \"$CP\" "
      + NotifySend.class.getName();

  /** A group of one instance running {@code sh -c script}, ready on {@code READY=1}, never restarted. */
  private JsonObject group(String name, String script) {
    JsonObject env = new JsonObject().put("QUIESCE_TEST_TAG", children.tag)
        .put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString())
        .put("CP", System.getProperty("java.class.path")).put("GO", temp.resolve("go").toString())
        .put("TEST_PID", Long.toString(ProcessHandle.current().pid()));
    return new JsonObject().put("name", name).put("command", new JsonArray().add("sh").add("-c").add(script))
        .put("env", env).put("restart", "never").put("ready", new JsonObject().put("notify", true).put("timeout", "2m"));
  }

  private JsonObject instance(String group) {
    return command(new JsonObject().put("command", "status").put("group", group)).getJsonArray("instances")
        .getJsonObject(0);
  }

  private JsonObject notifyCounts() {
    return command(new JsonObject().put("command", "list")).getJsonObject("notify");
  }

  private String notifyStatus(String group) {
    JsonObject n = instance(group).getJsonObject("notify");
    return n == null ? null : n.getString("status");
  }

  @Test
  void readyOnlyOnReadyAndStatusShown() throws Exception {
    deploy(ChildFixture.config(group("n", SEND + " 'STATUS=warming up'"
        + "; while [ ! -e \"$GO\" ]; do sleep 0.05; done; " + SEND + " 'READY=1\\nSTATUS=serving'; exec sleep 600")));
    Await.until("the child's first STATUS shown", SLOW, () -> "warming up".equals(notifyStatus("n")));
    assertThat(instance("n").getString("state")).as("not ready before READY=1").isEqualTo("starting");
    assertThat(events("ready")).isEmpty();

    long go = System.currentTimeMillis();
    Files.writeString(temp.resolve("go"), "go");
    JsonObject ready = awaitEvent("ready", SLOW, e -> "ready".equals(e.getString("type")));
    assertThat(ready.getLong("at")).as("ready only after READY=1 was sent").isGreaterThanOrEqualTo(go);
    Await.until("STATUS=serving shown", SLOW, () -> "serving".equals(notifyStatus("n")));
    assertThat(instance("n").getString("state")).isEqualTo("ready");
  }

  @Test
  void watchdogPingsAndStoppingRecordedFromTheChildItself() {
    // the child is the sending JVM itself: the sender's pid is the instance's pid
    deploy(ChildFixture.config(group("n", "exec " + SEND
        + " --then-sleep WATCHDOG=1 WATCHDOG=1 WATCHDOG=1 READY=1 STOPPING=1 UNKNOWN_KEY=1 'not an assignment'")));
    Await.until("STOPPING=1 shown", SLOW, () -> {
      JsonObject n = instance("n").getJsonObject("notify");
      return n != null && Boolean.TRUE.equals(n.getBoolean("stopping"));
    });
    JsonObject i = instance("n");
    assertThat(i.getString("state")).isEqualTo("ready");
    assertThat(i.getJsonObject("notify").getLong("watchdogPings")).isEqualTo(3);
    assertThat(i.getJsonObject("notify").getLong("lastWatchdogPingMsAgo")).isBetween(0L, Timing.upTo(60_000L));
    // 7 messages and the barrier; unknown keys and lines without '=' are not garbled, only ignored
    Await.until("every datagram accepted", SLOW, () -> notifyCounts().getLong("accepted") == 8);
    assertThat(notifyCounts().getLong("foreign")).isZero();
    assertThat(notifyCounts().getLong("invalid")).isZero();
  }

  @Test
  void aMainPidThatOutlivesItsChildKeepsTheInstanceRunningUntilItExits() throws Exception {
    deploy(ChildFixture.config(group("n", "sleep 600 & " + SEND + " \"MAINPID=$!\" READY=1; exit 0")));
    awaitEvent("ready", SLOW, e -> "ready".equals(e.getString("type")));
    JsonObject i = instance("n");
    int leader = i.getInteger("pid");
    int mainPid = i.getJsonObject("notify").getInteger("mainPid");
    assertThat(mainPid).isNotEqualTo(leader);
    Await.until("the shell that forked the main pid has exited", SLOW,
        () -> ProcessHandle.of(leader).map(h -> !h.isAlive()).orElse(true));
    // a few main-pid polls later the instance still runs
    Await.until("five checks of the main pid after its child exited", SLOW, () -> {
      JsonObject n = instance("n").getJsonObject("notify");
      return n != null && n.getLong("mainPidChecks", 0L) >= 5;
    });
    assertThat(instance("n").getString("state")).isEqualTo("ready");
    assertThat(events("exited")).isEmpty();

    ProcessHandle.of(mainPid).orElseThrow().destroy();
    JsonObject exited = awaitEvent("the main pid's exit counts as the instance's", SLOW,
        e -> "exited".equals(e.getString("type")));
    assertThat(exited.getInteger("pid")).isEqualTo(leader);
    assertThat(exited.getJsonObject("exit")).isEqualTo(new JsonObject().put("mainPid", mainPid));
    assertThat(exited.getBoolean("expected")).isFalse();
  }

  @Test
  void theMainPidIsStoppedByTheLadder() {
    deploy(ChildFixture.config(group("n", "sleep 600 & " + SEND + " \"MAINPID=$!\" READY=1; exit 0")));
    awaitEvent("ready", SLOW, e -> "ready".equals(e.getString("type")));
    int mainPid = instance("n").getJsonObject("notify").getInteger("mainPid");
    JsonObject stopped = command(new JsonObject().put("command", "stop").put("group", "n"));
    JsonObject child = stopped.getJsonArray("children").getJsonObject(0);
    assertThat(child.getString("step")).isEqualTo("TERM");
    assertThat(ProcessHandle.of(mainPid).filter(ProcessHandle::isAlive).filter(h -> !ProcFs.isZombie(mainPid)))
        .as("the main pid is gone (or a zombie waiting for its new parent to reap it)").isEmpty();
  }

  @Test
  void foreignSendersGarbledDatagramsAndAForeignMainPidAreIgnoredAndCounted() throws Exception {
    String id = deploy(ChildFixture.config(group("n", SEND + " \"MAINPID=$TEST_PID\"; exec sleep 600")));
    Await.until("the foreign MAINPID refused", SLOW, () -> notifyCounts().getLong("mainPidRefused") == 1);
    Path socket = Path.of(notifyCounts().getString("socket"));
    assertThat(socket.toString().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(107);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
        .isEqualTo("rwx------");

    // the test JVM is in no child's process group
    assertThat(NotifySend.send(socket, "READY=1".getBytes(StandardCharsets.UTF_8), true)).isTrue();
    byte[] tooLong = new byte[5000];
    Arrays.fill(tooLong, (byte) 'x');
    NotifySend.send(socket, tooLong, false);
    NotifySend.send(socket, "READY=1\0".getBytes(StandardCharsets.UTF_8), false);
    Await.until("one foreign and two garbled datagrams counted", SLOW, () -> {
      JsonObject n = notifyCounts();
      return n.getLong("foreign") == 2 && n.getLong("invalid") == 2; // the barrier datagram is foreign too
    });
    assertThat(instance("n").getString("state")).as("a foreign READY=1 makes nothing ready").isEqualTo("starting");
    assertThat(instance("n").containsKey("notify")).as("no main pid taken").isFalse();

    Await.result(vertx.undeploy(id), SLOW);
    assertThat(socket.getParent()).as("the socket's directory is removed at stop").doesNotExist();
  }

  @Test
  void systemdNotifyWorksUnchanged() {
    Path notify = Path.of("/usr/bin/systemd-notify");
    Assumptions.assumeTrue(Files.isExecutable(notify),
        "/usr/bin/systemd-notify is not installed (Debian package systemd): the real-sender test is skipped");
    deploy(ChildFixture.config(group("n", notify + " --ready --status='serving via systemd-notify'; exec sleep 600")));
    awaitEvent("ready", SLOW, e -> "ready".equals(e.getString("type")));
    assertThat(notifyStatus("n")).isEqualTo("serving via systemd-notify");
    assertThat(notifyCounts().getLong("foreign")).isZero();
  }

  /**
   * The watchdog over the real socket: {@code WATCHDOG=1} every 200 ms from a real systemd-notify keeps
   * a child with a 1 s watchdog healthy; once the pings stop, the child is found unhealthy no sooner
   * than a period after its last ping.
   */
  @Test
  void watchdogPingsOverTheSocketKeepTheChildHealthyAndAMissIsFound() throws Exception {
    Path notify = Path.of("/usr/bin/systemd-notify");
    Assumptions.assumeTrue(Files.isExecutable(notify),
        "/usr/bin/systemd-notify is not installed (Debian package systemd): the watchdog test is skipped");
    Path pinged = temp.resolve("pinged");
    deploy(ChildFixture.config(group("w", notify + " --ready; i=0; while [ $i -lt 15 ]; do " + notify
        + " WATCHDOG=1; i=$((i+1)); if [ $i -lt 15 ]; then sleep 0.2; fi; done; touch '" + pinged + "'; exec sleep 600")
        .put("health", new JsonObject().put("watchdog", "1s"))));
    awaitEvent("ready", SLOW, e -> "ready".equals(e.getString("type")));
    Await.until("15 pings sent", SLOW, () -> Files.exists(pinged));
    long lastPing = Files.getLastModifiedTime(pinged).toMillis(); // touched right after the last ping
    assertThat(events("unhealthy")).as("healthy while it pings every 200 ms").isEmpty();
    assertThat(instance("w").getJsonObject("notify").getLong("watchdogPings")).isEqualTo(15);

    JsonObject unhealthy = awaitEvent("unhealthy", SLOW, e -> "unhealthy".equals(e.getString("type")));
    assertThat(unhealthy.getString("probe")).isEqualTo("watchdog");
    assertThat(unhealthy.getLong("at") - lastPing).as("last ping to unhealthy, ms")
        .isGreaterThanOrEqualTo(900L).isLessThan(Timing.upTo(1000L + 500L + 2000L));
  }
}
