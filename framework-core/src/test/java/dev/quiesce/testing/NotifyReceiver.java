package dev.quiesce.testing;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.quiesce.systemd.impl.UnixDatagrams;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The receiving end of {@code sd_notify} as systemd has it, for tests: a Unix datagram socket bound
 * at a path (give it to the process under test as {@code NOTIFY_SOCKET}) and a thread that keeps
 * every datagram with the {@code CLOCK_MONOTONIC} time it was read ({@code System.nanoTime()}). Like
 * systemd, it reads at most {@link #MAX_DATAGRAM} bytes and drops a longer datagram whole (it sees
 * {@code MSG_TRUNC}), counting it in {@link #truncated()}.
 */
public final class NotifyReceiver implements AutoCloseable {

  /** systemd's {@code NOTIFY_BUFFER_MAX}: a longer datagram is dropped, not cut. */
  public static final int MAX_DATAGRAM = 4096;

  /** One datagram: its {@code KEY=VALUE} lines and when it was read ({@code System.nanoTime()}). */
  public record Datagram(List<String> lines, long readAtNanos) {

    /** True when one line is exactly {@code assignment} ({@code READY=1}). */
    public boolean has(String assignment) {
      return lines.contains(assignment);
    }

    /** The value of {@code key}, if a line sets it. */
    public Optional<String> value(String key) {
      return lines.stream().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst();
    }

    @Override
    public String toString() {
      return String.join("|", lines);
    }
  }

  /** The offset of {@code msg_flags} in {@code msghdr} (LP64). */
  private static final int MSGHDR_FLAGS = 48;

  private final Path path;
  private final int fd;
  private final List<Datagram> received = new ArrayList<>();
  private final Thread reader;
  private final AtomicInteger truncated = new AtomicInteger();
  private volatile boolean closed;

  private NotifyReceiver(Path path) {
    this.path = path;
    this.fd = UnixDatagrams.socket();
    UnixDatagrams.C.bind(fd, UnixDatagrams.sockaddr(path), UnixDatagrams.sockaddrLength(path));
    Memory timeout = new Memory(16);
    timeout.clear();
    timeout.setLong(8, 100_000); // 100 ms, so close() is seen
    UnixDatagrams.C.setsockopt(fd, UnixDatagrams.SOL_SOCKET, UnixDatagrams.SO_RCVTIMEO, timeout, 16);
    reader = new Thread(this::read, "notify-receiver");
    reader.setDaemon(true);
    reader.start();
  }

  /** Binds a socket at {@code path} (a new file, at most 107 bytes) and starts reading. */
  public static NotifyReceiver bind(Path path) {
    return new NotifyReceiver(path);
  }

  /** Where the socket is: the {@code NOTIFY_SOCKET} to give. */
  public Path path() {
    return path;
  }

  /** Every datagram so far, in the order read. */
  public synchronized List<Datagram> received() {
    return List.copyOf(received);
  }

  /** How many datagrams were dropped because they were longer than {@link #MAX_DATAGRAM} bytes. */
  public int truncated() {
    return truncated.get();
  }

  /** Waits for the first datagram that matches {@code test}; fails with what came if none does. */
  public Datagram await(String what, Duration timeout, Predicate<Datagram> test) {
    try {
      return Await.value(what, timeout, () -> received().stream().filter(test).findFirst().orElse(null));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; received " + received(), e);
    }
  }

  private void read() {
    Memory data = new Memory(MAX_DATAGRAM);
    while (!closed) {
      long n;
      Memory msg = UnixDatagrams.msghdr(null, 0, data, data.size(), null, 0);
      try {
        n = UnixDatagrams.C.recvmsg(fd, msg, 0);
      } catch (LastErrorException e) {
        continue; // the receive timeout, or an interrupted call: look at closed again
      }
      if ((msg.getInt(MSGHDR_FLAGS) & UnixDatagrams.MSG_TRUNC) != 0) {
        truncated.incrementAndGet(); // as systemd: a datagram cut is a datagram lost
        continue;
      }
      long at = System.nanoTime();
      String text = new String(data.getByteArray(0, (int) n), StandardCharsets.UTF_8);
      synchronized (this) {
        received.add(new Datagram(Arrays.asList(text.split("\n")), at));
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    reader.join(Timing.upTo(2000));
    UnixDatagrams.closeQuietly(fd);
  }
}
