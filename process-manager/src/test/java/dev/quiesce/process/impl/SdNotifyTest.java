package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.systemd.SdNotify;
import dev.quiesce.testing.Timing;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public sender {@link SdNotify} against the process manager's real notify socket: one datagram
 * per send with this JVM's pid, the barrier acknowledged, and false (no exception) where nobody listens.
 */
class SdNotifyTest {

  @TempDir
  Path temp;

  @Test
  void sendsOneDatagramPerCallAndWaitsForTheBarrier() throws Exception {
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    NotifySocket socket = NotifySocket.open(List.of(temp), d -> {
      got.add(d.pid() + " " + new String(d.payload(), StandardCharsets.UTF_8));
      Notifications.closeAll(d.fds());
    });
    try {
      SdNotify notify = SdNotify.to(socket.path());
      assertThat(notify.send("STATUS=warming up")).isTrue();
      assertThat(notify.sendAndWait(Duration.ofSeconds(5), "READY=1", "STATUS=serving")).as("barrier handled")
          .isTrue();
      long pid = ProcessHandle.current().pid();
      assertThat(got.poll(Timing.upTo(10_000L), TimeUnit.MILLISECONDS)).isEqualTo(pid + " STATUS=warming up");
      assertThat(got.poll(Timing.upTo(10_000L), TimeUnit.MILLISECONDS)).isEqualTo(pid + " READY=1\nSTATUS=serving");
      assertThat(got.poll(Timing.upTo(10_000L), TimeUnit.MILLISECONDS)).isEqualTo(pid + " BARRIER=1");
    } finally {
      socket.close();
    }
  }

  @Test
  void aSocketNobodyListensOnGivesFalseNotAnException() throws Exception {
    assertThat(SdNotify.to(temp.resolve("absent")).send("READY=1")).isFalse();
    assertThat(SdNotify.to(temp.resolve("absent")).sendAndWait(Duration.ofSeconds(1), "READY=1")).isFalse();
    assertThat(SdNotify.to(temp.resolve("x".repeat(120))).send("READY=1")).as("a path too long").isFalse();
    Path stream = temp.resolve("stream");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(stream));
      assertThat(SdNotify.to(stream).send("READY=1")).as("a stream socket, not a datagram one").isFalse();
    }
  }
}
