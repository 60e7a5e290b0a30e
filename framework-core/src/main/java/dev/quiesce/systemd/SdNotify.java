package dev.quiesce.systemd;

import dev.quiesce.systemd.impl.NotifySender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The sending side of systemd's notify protocol ({@code sd_notify(3)}) for a program written in
 * Java: a child of Quiesce's process manager (which gives every child {@code NOTIFY_SOCKET}, see
 * docs/PROCESSES.md) or a service of systemd itself. Each {@link #send} is one datagram of
 * {@code KEY=VALUE} lines ({@code READY=1}, {@code STATUS=…}, {@code WATCHDOG=1},
 * {@code STOPPING=1}, {@code MAINPID=…}). Linux only (it calls libc through JNA).
 *
 * <p>Failures never throw: a send that could not be made returns {@code false} (no such socket, the
 * receiver gone, a message over the receiver's limit, no native access through JNA), as {@code sd_notify} returns an error the
 * caller may ignore.
 */
public final class SdNotify {

  /** How long {@link #sendAndWait} waits by default, as {@code systemd-notify} does. */
  public static final Duration DEFAULT_BARRIER_TIMEOUT = Duration.ofSeconds(5);

  private final Path socket;

  private SdNotify(Path socket) {
    this.socket = socket;
  }

  /**
   * The notifier for {@code $NOTIFY_SOCKET} (a path, or {@code @name} in the abstract namespace);
   * empty when it is not set, as under no service manager: then there is nothing to tell.
   *
   * @return the notifier, or empty when {@code NOTIFY_SOCKET} is unset or empty
   */
  public static Optional<SdNotify> fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * The notifier for {@code NOTIFY_SOCKET} in {@code env}, as {@link #fromEnvironment()}.
   *
   * @param env the environment variables to read
   * @return the notifier, or empty when {@code NOTIFY_SOCKET} is unset or empty there
   */
  public static Optional<SdNotify> fromEnvironment(Map<String, String> env) {
    String path = env.get("NOTIFY_SOCKET");
    return path == null || path.isEmpty() ? Optional.empty() : Optional.of(new SdNotify(Path.of(path)));
  }

  /**
   * The notifier for the socket at {@code socket}.
   *
   * @param socket the path of the receiver's datagram socket
   * @return a notifier sending there (nothing is checked or opened yet)
   * @throws NullPointerException if {@code socket} is null
   */
  public static SdNotify to(Path socket) {
    return new SdNotify(Objects.requireNonNull(socket, "socket"));
  }

  /**
   * The watchdog period the service manager asked for ({@code $WATCHDOG_USEC}), when it did and
   * {@code $WATCHDOG_PID} (if set) is this process; send {@code WATCHDOG=1} at half of it.
   *
   * @return the period, or empty when none was asked of this process
   */
  public static Optional<Duration> watchdogPeriod() {
    return watchdogPeriod(System.getenv());
  }

  /**
   * The watchdog period that {@code WATCHDOG_USEC} and {@code WATCHDOG_PID} in {@code env} ask of this process.
   *
   * @param env the environment variables to read
   * @return the period, or empty when {@code WATCHDOG_USEC} is unset, not a positive number, or
   *     {@code WATCHDOG_PID} names another process
   */
  public static Optional<Duration> watchdogPeriod(Map<String, String> env) {
    String usec = env.get("WATCHDOG_USEC");
    String pid = env.get("WATCHDOG_PID");
    if (usec == null || (pid != null && !pid.equals(Long.toString(ProcessHandle.current().pid())))) {
      return Optional.empty();
    }
    try {
      long micros = Long.parseLong(usec.trim());
      return micros > 0 ? Optional.of(Duration.ofNanos(micros * 1000)) : Optional.empty();
    } catch (NumberFormatException | ArithmeticException e) {
      return Optional.empty();
    }
  }

  /**
   * The socket the messages go to.
   *
   * @return its path, as given ({@code @name} for the abstract namespace)
   */
  public Path socket() {
    return socket;
  }

  /**
   * Sends {@code assignments} ({@code KEY=VALUE} each) as one datagram, without waiting: safe on an
   * event loop. When the receiver's queue is full (it is not reading) the message is dropped, counted
   * and logged (at most once every 10 s), as when it is gone. Keep a datagram under 4096 bytes:
   * systemd drops a longer one whole.
   *
   * @param assignments the lines of the message, {@code KEY=VALUE} each
   * @return true when the receiver's socket took it; false otherwise (dropped)
   */
  public boolean send(String... assignments) {
    return NotifySender.send(socket, payload(assignments), false, Duration.ZERO);
  }

  /**
   * Sends {@code assignments} as one datagram, then waits (at most {@code timeout}) until the
   * receiver has handled it: {@code BARRIER=1} with a descriptor the receiver closes, as
   * {@code sd_notify_barrier(3)}. Use it before an exit, so the message is not lost with the sender.
   *
   * @param timeout how long to wait for the receiver at most; zero or negative: not at all
   * @param assignments the lines of the message, {@code KEY=VALUE} each
   * @return true when the receiver handled it in time; false otherwise
   */
  public boolean sendAndWait(Duration timeout, String... assignments) {
    Objects.requireNonNull(timeout, "timeout");
    return NotifySender.send(socket, payload(assignments), true, timeout);
  }

  private static byte[] payload(String... assignments) {
    return String.join("\n", assignments).getBytes(StandardCharsets.UTF_8);
  }
}
