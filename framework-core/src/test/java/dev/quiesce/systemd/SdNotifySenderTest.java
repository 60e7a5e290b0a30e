package dev.quiesce.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.systemd.impl.NotifySender;
import dev.quiesce.systemd.impl.UnixDatagrams;
import dev.quiesce.testing.Timing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SdNotify}'s sending side against a real Unix datagram socket. */
class SdNotifySenderTest {

  @TempDir
  Path dir;

  /**
   * Review finding 3: a send waited while the receiver's queue was full (systemd busy), blocking the
   * event loop that sends. Against a socket nobody reads, sends must fill its queue, then be dropped
   * at once (false, counted), never wait.
   */
  @Test
  void aFullQueueDropsTheMessageInsteadOfWaiting() throws Exception {
    Path path = dir.resolve("notify");
    int fd = UnixDatagrams.socket();
    try {
      UnixDatagrams.C.bind(fd, UnixDatagrams.sockaddr(path), UnixDatagrams.sockaddrLength(path));
      SdNotify notify = SdNotify.to(path);
      long droppedBefore = NotifySender.droppedOnFullQueue();
      CompletableFuture<Integer> sent = CompletableFuture.supplyAsync(() -> {
        int n = 0;
        while (notify.send("WATCHDOG=1")) {
          n++;
        }
        return n;
      });
      int accepted = sent.get(Timing.upTo(5000), TimeUnit.MILLISECONDS); // a blocking send never returns
      assertThat(accepted).as("the queue took some before it was full").isPositive();
      assertThat(NotifySender.droppedOnFullQueue()).isGreaterThan(droppedBefore);
    } finally {
      UnixDatagrams.closeQuietly(fd);
    }
  }

  /** A watchdog meant for another process (WATCHDOG_PID not this one) is not ours to ping. */
  @Test
  void aWatchdogMeantForAnotherProcessIsNotOurs() {
    String me = Long.toString(ProcessHandle.current().pid());
    assertThat(SdNotify.watchdogPeriod(Map.of("WATCHDOG_USEC", "100000", "WATCHDOG_PID", "1"))).isEmpty();
    assertThat(SdNotify.watchdogPeriod(Map.of("WATCHDOG_USEC", "100000", "WATCHDOG_PID", me)))
        .isEqualTo(Optional.of(Duration.ofMillis(100)));
    assertThat(SdNotify.watchdogPeriod(Map.of("WATCHDOG_USEC", "100000"))).isEqualTo(Optional.of(Duration.ofMillis(100)));
  }
}
