package dev.quiesce.process.impl;

import com.sun.jna.Memory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny sd_notify sender for tests, through the same libc calls as the manager's socket: each
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
    int fd = UnixDatagrams.socket();
    try {
      Memory addr = UnixDatagrams.sockaddr(socket);
      int addrLength = UnixDatagrams.sockaddrLength(socket);
      Memory data = new Memory(Math.max(1, payload.length));
      data.write(0, payload, 0, payload.length);
      UnixDatagrams.C.sendmsg(fd, UnixDatagrams.msghdr(addr, addrLength, data, payload.length, null, 0), 0);
      if (!barrier) {
        return true;
      }
      int[] pipe = new int[2];
      UnixDatagrams.C.pipe2(pipe, UnixDatagrams.SOCK_CLOEXEC);
      try {
        byte[] text = "BARRIER=1".getBytes(StandardCharsets.UTF_8);
        Memory b = new Memory(text.length);
        b.write(0, text, 0, text.length);
        Memory control = new Memory(24);
        control.clear();
        control.setLong(0, UnixDatagrams.CMSG_HEADER + 4);
        control.setInt(8, UnixDatagrams.SOL_SOCKET);
        control.setInt(12, UnixDatagrams.SCM_RIGHTS);
        control.setInt(16, pipe[1]);
        UnixDatagrams.C.sendmsg(fd, UnixDatagrams.msghdr(addr, addrLength, b, text.length, control, 24), 0);
        UnixDatagrams.closeQuietly(pipe[1]);
        pipe[1] = -1;
        Memory pollfd = new Memory(8);
        pollfd.clear();
        pollfd.setInt(0, pipe[0]);
        return UnixDatagrams.C.poll(pollfd, 1, 5000) == 1;
      } finally {
        UnixDatagrams.closeQuietly(pipe[0]);
        if (pipe[1] >= 0) {
          UnixDatagrams.closeQuietly(pipe[1]);
        }
      }
    } catch (RuntimeException e) {
      System.err.println("NotifySend: " + e);
      return false;
    } finally {
      UnixDatagrams.closeQuietly(fd);
    }
  }
}
