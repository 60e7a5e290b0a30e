package dev.quiesce.process.impl;

import dev.quiesce.systemd.SdNotify;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny sd_notify sender for tests, through {@link SdNotify}: each
 * message is one datagram to the socket; with a barrier (after the last message), a {@code BARRIER=1} datagram carrying the
 * write end of a pipe follows, and the sender waits (at most 5 s, as {@code sd_notify_barrier} does
 * in systemd-notify) until the receiver closed it.
 *
 * <p>As a program: {@code NotifySend [--no-barrier] [--then-sleep] MESSAGE…} sends to
 * {@code $NOTIFY_SOCKET} (a message may hold several lines, {@code \n} in an argument is a newline),
 * then with {@code --then-sleep} sleeps up to 10 minutes (to be a child that stays). Exit 0 when sent
 * (and, with the barrier, acknowledged), 1 otherwise.
 */
public final class NotifySend {

  private NotifySend() {
  }

  public static void main(String[] args) throws InterruptedException {
    boolean barrier = true;
    boolean sleep = false;
    List<String> messages = new ArrayList<>();
    for (String a : args) {
      switch (a) {
        case "--no-barrier" -> barrier = false;
        case "--then-sleep" -> sleep = true;
        default -> messages.add(a.replace("\\n", "\n"));
      }
    }
    Path socket = Path.of(System.getenv("NOTIFY_SOCKET"));
    boolean ok = true;
    for (int i = 0; i < messages.size(); i++) {
      // like systemd-notify: one barrier after the messages
      ok &= send(socket, messages.get(i).getBytes(StandardCharsets.UTF_8), barrier && i == messages.size() - 1);
    }
    if (!ok) {
      System.exit(1);
    }
    if (sleep) {
      Thread.sleep(600_000);
    }
  }

  /**
   * Sends {@code payload} as one datagram to {@code socket}, then, with {@code barrier}, a
   * {@code BARRIER=1} with a descriptor and waits up to 5 s for the receiver to close it.
   *
   * @return true when sent (and the barrier was acknowledged)
   */
  public static boolean send(Path socket, byte[] payload, boolean barrier) {
    SdNotify notify = SdNotify.to(socket);
    String message = new String(payload, StandardCharsets.UTF_8);
    return barrier ? notify.sendAndWait(Duration.ofSeconds(5), message) : notify.send(message);
  }
}
