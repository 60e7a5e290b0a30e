package dev.quiesce.launcher.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.UpgradeConfig;
import dev.quiesce.lifecycle.UpgradeHandover;
import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SuccessorUpgrader} with a real successor process that speaks the handover protocol (a small
 * Python program in the successor's session): what happens around the moment the successor is accepted.
 */
class SuccessorUpgraderTest {

  /**
   * Says {@code ready <pid> <session>} on the handover socket, prints the answer, then waits for
   * TERM (printing {@code TERM}) and writes the lines the predecessor sends after {@code ok} to the
   * file named by its first argument.
   */
  private static final String SUCCESSOR = String.join("\n",
      "import os, signal, socket, sys, time",
      "def term(n, f):",
      "    print('TERM', flush=True)",
      "    sys.exit(0)",
      "signal.signal(signal.SIGTERM, term)",
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
      "s.connect(os.environ['QUIESCE_UPGRADE_SOCKET'])",
      "s.sendall(('ready %d %d\\n' % (os.getpid(), os.getsid(0))).encode())",
      "f = s.makefile('r')",
      "print('answer ' + f.readline().strip(), flush=True)",
      "with open(sys.argv[1], 'a') as out:",
      "    for line in f:",
      "        out.write(line)",
      "        out.flush()",
      "time.sleep(300)",
      "");

  private final Vertx vertx = Vertx.vertx();

  @TempDir
  Path dir;

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private SuccessorUpgrader upgrader(Path received) throws Exception {
    Path script = Files.writeString(dir.resolve("successor.py"), SUCCESSOR);
    UpgradeConfig config = new UpgradeConfig(List.of("python3", script.toString(), received.toString()),
        Duration.ofSeconds(30), dir.resolve("state"));
    SuccessorUpgrader upgrader = new SuccessorUpgrader(new String[0], ListenerSharing.of(vertx),
        UpgradeHandover.of(vertx), config);
    Files.createDirectories(config.stateDir()); // made by unavailable(), which the coordinator asks first
    return upgrader;
  }

  private static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aStopThatComesJustAfterTheSuccessorWasAcceptedEndsTheSuccessorToo() throws Exception {
    SuccessorUpgrader upgrader = upgrader(dir.resolve("received"));
    AtomicLong group = new AtomicLong(-1);

    long pid = upgrader.upgrade("test", group::set).await(30, TimeUnit.SECONDS);
    Optional<ProcessHandle> successor = ProcessHandle.of(pid);
    assertThat(successor).as("the successor runs once accepted").isPresent();

    try {
      // the coordinator learns of the success on its own context: a stop that reaches it first aborts
      Future<Void> aborted = upgrader.abort("SIGTERM");

      assertThat(aborted.succeeded()).isTrue();
      Await.until("the accepted successor is ended", Duration.ofSeconds(20), () -> !successor.get().isAlive());
    } finally {
      successor.get().destroyForcibly();
    }
  }

  @Test
  void eachNameReleasedAfterTheSuccessorWasAcceptedReachesItInOrder() throws Exception {
    Path received = dir.resolve("received");
    SuccessorUpgrader upgrader = upgrader(received);
    UpgradeHandover handover = UpgradeHandover.of(vertx);
    long pid = upgrader.upgrade("test", g -> { }).await(30, TimeUnit.SECONDS);
    try {
      handover.released("workers");
      handover.released("cache");

      Await.until("both lines reach the successor", Duration.ofSeconds(10),
          () -> lines(received).size() == 2);
      assertThat(lines(received)).containsExactly("released workers", "released cache");
    } finally {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }
  }
}
