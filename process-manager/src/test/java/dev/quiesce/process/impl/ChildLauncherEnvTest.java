package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessesConfig;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a child and a command probe inherit of the JVM's environment: everything but the variables
 * by which a service manager (systemd) speaks to the JVM itself, which the manager sets its own way.
 */
class ChildLauncherEnvTest {

  /** The environment of a JVM started by systemd with {@code Type=notify}, {@code WatchdogSec=} and a socket. */
  private static final Map<String, String> SYSTEMD_JVM_ENV = Map.of("PATH", "/usr/bin:/bin", "KEPT", "yes",
      "NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "4242",
      "LISTEN_FDS", "1", "LISTEN_PID", "4242", "LISTEN_FDNAMES", "http");

  @TempDir
  Path temp;

  private ProcessGroupConfig group(Path out) {
    return ProcessesConfig.from(new JsonObject().put("processes", new JsonArray().add(new JsonObject()
        .put("name", "g").put("command", new JsonArray().add("sh").add("-c").add("env > \"$OUT\""))
        .put("env", new JsonObject().put("OUT", out.toString()))))).groups().get(0);
  }

  private static List<String> envOf(ChildLauncher.Spawned s, Path out) throws Exception {
    assertThat(s.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    return Arrays.asList(Files.readString(out).split("\n"));
  }

  @Test
  void aChildSeesTheManagersNotifySocketAndWatchdogOnlyNeverThoseOfTheJvmsServiceManager() throws Exception {
    ChildLauncher launcher = new ChildLauncher(ChildLauncher.Tools.find(), PosixSignal.KILL, null, null,
        SYSTEMD_JVM_ENV);
    Path out = temp.resolve("child.env");
    List<String> env = envOf(launcher.spawn(group(out), 0, Map.of("NOTIFY_SOCKET", "/tmp/ours/notify",
        "WATCHDOG_USEC", "400000")), out);
    assertThat(env).contains("KEPT=yes", "NOTIFY_SOCKET=/tmp/ours/notify", "WATCHDOG_USEC=400000")
        .noneMatch(v -> v.startsWith("WATCHDOG_PID=") || v.startsWith("LISTEN_"));
  }

  @Test
  void aChildWithoutTheManagersSocketAndAProbeGetNoNotifySocketAtAll() throws Exception {
    ChildLauncher launcher = new ChildLauncher(ChildLauncher.Tools.find(), PosixSignal.KILL, null, null,
        SYSTEMD_JVM_ENV);
    Path childOut = temp.resolve("child.env");
    ProcessGroupConfig child = group(childOut);
    assertThat(envOf(launcher.spawn(child, 0, Map.of()), childOut)).contains("KEPT=yes")
        .noneMatch(v -> v.startsWith("NOTIFY_SOCKET=") || v.startsWith("WATCHDOG_") || v.startsWith("LISTEN_"));
    Path probeOut = temp.resolve("probe.env");
    assertThat(envOf(launcher.startProbe(group(probeOut), 0, child.command(), Map.of("QUIESCE_PID", "1")), probeOut))
        .contains("KEPT=yes", "QUIESCE_PID=1")
        .noneMatch(v -> v.startsWith("NOTIFY_SOCKET=") || v.startsWith("WATCHDOG_") || v.startsWith("LISTEN_"));
  }
}
