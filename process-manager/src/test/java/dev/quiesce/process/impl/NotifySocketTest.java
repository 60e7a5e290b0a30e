package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.process.impl.NotifySocket.Datagram;
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
      for (int fd : d.fds()) {
        UnixDatagrams.closeQuietly(fd);
      }
    });
    Path dir = socket.path().getParent();
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
    assertThat(dir).doesNotExist();
  }

  @Test
  void aDirectoryTooLongForASocketPathIsRefusedByName() throws IOException {
    Path deep = Files.createDirectories(temp.resolve("d".repeat(100)));
    assertThatThrownBy(() -> NotifySocket.open(List.of(deep), d -> { }))
        .isInstanceOf(IOException.class).hasMessageContaining(deep.toString()).hasMessageContaining("too long");
  }
}
