package dev.quiesce.systemd.impl;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends sd_notify datagrams through libc (see {@link UnixDatagrams} for why not the JDK): the
 * implementation of {@link dev.quiesce.systemd.SdNotify}.
 */
public final class NotifySender {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.systemd");
  /** At most one warning about messages dropped on a full queue in this time. */
  private static final long DROP_LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final AtomicLong DROPPED = new AtomicLong();
  private static final AtomicLong LAST_DROP_LOG = new AtomicLong(System.nanoTime() - DROP_LOG_EVERY_NANOS);

  private NotifySender() {
  }

  /**
   * Sends {@code payload} as one datagram to {@code socket}, then, with {@code barrier}, a
   * {@code BARRIER=1} carrying the write end of a pipe, and waits up to {@code barrierTimeout} until
   * the receiver closed it (it handled every message before it), as {@code sd_notify_barrier(3)} does;
   * a negative timeout counts as zero (the barrier is sent, not waited for).
   *
   * <p>Without the barrier it never waits: the datagram is sent with {@code MSG_DONTWAIT}, so a caller on
   * an event loop is not blocked when the receiver's queue is full (systemd busy); such a message is
   * dropped, counted ({@link #droppedOnFullQueue()}) and logged at most once every 10 s. With the
   * barrier the caller chose to wait: the sends block, the wait for the acknowledgement is bounded.
   *
   * @return true when sent (and, with the barrier, acknowledged in time); false on any failure
   *     (no such socket, refused, too long, the barrier not acknowledged, JNA or libc not loadable),
   *     never an exception
   */
  public static boolean send(Path socket, byte[] payload, boolean barrier, Duration barrierTimeout) {
    int fd;
    try {
      fd = UnixDatagrams.socket();
    } catch (RuntimeException | LinkageError e) { // LinkageError: no libc through JNA here
      return false;
    }
    try {
      Memory addr = UnixDatagrams.sockaddr(socket);
      int addrLength = UnixDatagrams.sockaddrLength(socket);
      Memory data = new Memory(Math.max(1, payload.length));
      data.write(0, payload, 0, payload.length);
      if (!barrier) {
        return sendWithoutWaiting(fd, UnixDatagrams.msghdr(addr, addrLength, data, payload.length, null, 0), socket);
      }
      UnixDatagrams.C.sendmsg(fd, UnixDatagrams.msghdr(addr, addrLength, data, payload.length, null, 0), 0);
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
        return UnixDatagrams.C.poll(pollfd, 1, (int) Math.max(0, Math.min(Integer.MAX_VALUE, barrierTimeout.toMillis()))) == 1;
      } finally {
        UnixDatagrams.closeQuietly(pipe[0]);
        if (pipe[1] >= 0) {
          UnixDatagrams.closeQuietly(pipe[1]);
        }
      }
    } catch (RuntimeException | LinkageError e) { // LinkageError: no libc through JNA here
      return false;
    } finally {
      UnixDatagrams.closeQuietly(fd);
    }
  }

  /** How many messages were dropped since the JVM started because the receiver's queue was full. */
  public static long droppedOnFullQueue() {
    return DROPPED.get();
  }

  private static boolean sendWithoutWaiting(int fd, Memory msg, Path socket) {
    try {
      UnixDatagrams.C.sendmsg(fd, msg, UnixDatagrams.MSG_DONTWAIT);
      return true;
    } catch (LastErrorException e) {
      if (e.getErrorCode() != UnixDatagrams.EAGAIN) {
        throw e;
      }
      long dropped = DROPPED.incrementAndGet();
      long now = System.nanoTime();
      long last = LAST_DROP_LOG.get();
      if (now - last >= DROP_LOG_EVERY_NANOS && LAST_DROP_LOG.compareAndSet(last, now)) {
        LOG.warn("sd_notify: {} is not reading (its queue is full): message dropped, {} so far", socket, dropped);
      }
      return false;
    }
  }
}
