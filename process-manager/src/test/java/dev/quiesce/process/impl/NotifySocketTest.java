package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.process.impl.NotifySocket.Datagram;
import dev.quiesce.testing.NotifyReceiver;
import dev.quiesce.testing.Timing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket itself, with the real kernel: credentials, descriptors, a prompt close, the path limit. */
class NotifySocketTest {

  @TempDir
  Path temp;

  @Test
  void eachDatagramComesWithTheSendersPidAndItsDescriptorsAndCloseIsPrompt() throws Exception {
    BlockingQueue<Datagram> got = new LinkedBlockingQueue<>();
    NotifySocket socket = NotifySocket.open(List.of(temp), d -> {
      got.add(d);
      Notifications.closeAll(d.fds());
    });
    Path dir = socket.path().getParent();
    try {
      assertThat(Files.getPosixFilePermissions(dir)).hasSize(3); // rwx for the owner only

      long sent = System.nanoTime();
      assertThat(NotifySend.send(socket.path(), "READY=1".getBytes(StandardCharsets.UTF_8), true))
          .as("the barrier was acknowledged").isTrue();
      assertThat((System.nanoTime() - sent) / 1_000_000).as("acknowledged without waiting out the sender's 5 s")
          .isLessThan(Timing.upTo(4000L));
      Datagram ready = got.poll(Timing.upTo(10_000L), TimeUnit.MILLISECONDS);
      assertThat(ready).isNotNull();
      assertThat(ready.pid()).isEqualTo((int) ProcessHandle.current().pid());
      assertThat(new String(ready.payload(), StandardCharsets.UTF_8)).isEqualTo("READY=1");
      assertThat(ready.fds()).isEmpty();
      Datagram barrier = got.poll(Timing.upTo(10_000L), TimeUnit.MILLISECONDS);
      assertThat(new String(barrier.payload(), StandardCharsets.UTF_8)).isEqualTo("BARRIER=1");
      assertThat(barrier.fds()).hasSize(1);

      NotifySend.send(socket.path(), new byte[NotifySocket.MAX_DATAGRAM + 1], false);
      Datagram tooLong = got.poll(Timing.upTo(10_000L), TimeUnit.MILLISECONDS);
      assertThat(tooLong.truncated()).isTrue();

      long closing = System.nanoTime();
      socket.close();
      assertThat((System.nanoTime() - closing) / 1_000_000).as("close wakes the reader at once")
          .isLessThan(Timing.upTo(1000L));
    } finally {
      socket.close(); // idempotent: a failed assertion above must not leave the reader running
    }
    assertThat(dir).doesNotExist();
  }

  @Test
  void directoriesOfJvmsThatNoLongerRunAreSweptAtOpen() throws Exception {
    int own = (int) ProcessHandle.current().pid();
    long ownStart = ProcStat.startTime(own).orElseThrow();
    Path dead = Files.createDirectory(temp.resolve("quiesce-notify-" + own + "-" + (ownStart + 1) + "-7"));
    Files.writeString(dead.resolve("notify"), "");
    Path alive = Files.createDirectory(temp.resolve("quiesce-notify-" + own + "-" + ownStart + "-8"));
    Path other = Files.createDirectory(temp.resolve("quiesce-notify-not-ours"));
    try (NotifySocket socket = NotifySocket.open(List.of(temp), d -> { })) {
      assertThat(socket.path().getParent().getFileName().toString()).startsWith("quiesce-notify-" + own + "-" + ownStart + "-");
      assertThat(dead).as("a JVM with that pid and start time no longer runs").doesNotExist();
      assertThat(alive).as("this JVM's").exists();
      assertThat(other).as("not named as the manager names them").exists();
    }
  }

  /**
   * The sweep trusts the socket, not the pid in a directory's name: a JVM in another pid namespace
   * (another container sharing the directory) looks dead from here while its socket is live.
   */
  @Test
  void aDirectoryIsSweptOnlyWhenNobodyIsBoundToItsSocket() throws Exception {
    // names of a JVM that cannot run here (no such pid), as a JVM of another container would look
    Path live = Files.createDirectory(temp.resolve("quiesce-notify-99999999-1-1"));
    Path left = Files.createDirectory(temp.resolve("quiesce-notify-99999999-1-2"));
    NotifyReceiver.bind(left.resolve("notify")).close(); // its file stays, nobody is bound to it: connect is refused
    try (NotifyReceiver bound = NotifyReceiver.bind(live.resolve("notify"));
        NotifySocket socket = NotifySocket.open(List.of(temp), d -> { })) {
      assertThat(live.resolve("notify")).as("a socket somebody is bound to").exists();
      assertThat(left).as("a socket nobody is bound to any more").doesNotExist();
    }
  }

  @Test
  void aDirectoryTooLongForASocketPathIsRefusedByName() throws IOException {
    Path deep = Files.createDirectories(temp.resolve("d".repeat(100)));
    assertThatThrownBy(() -> NotifySocket.open(List.of(deep), d -> { }))
        .isInstanceOf(IOException.class).hasMessageContaining(deep.toString()).hasMessageContaining("too long");
  }
}
