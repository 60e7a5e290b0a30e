package dev.quiesce.process.impl;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.quiesce.systemd.impl.UnixDatagrams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process manager's sd_notify socket: one {@code AF_UNIX} datagram socket with
 * {@code SO_PASSCRED}, bound in a private directory (mode 0700) of its own, read by one dedicated
 * thread with {@code recvmsg(2)} so that each datagram comes with the sender's pid
 * ({@code SCM_CREDENTIALS}, filled in by the kernel) and any descriptors sent with it
 * ({@code SCM_RIGHTS}). Each datagram is handed to the {@link Receiver} on that thread, in the order
 * received. {@link #close()} ends the thread within about {@link #RECEIVE_TIMEOUT_MS} (every wait of the
 * thread is bounded by {@code SO_RCVTIMEO}, and a shutdown wakes it at once) and removes the directory.
 */
final class NotifySocket implements AutoCloseable {

  /** The largest datagram taken, as systemd's ({@code NOTIFY_BUFFER_MAX}); a longer one is reported truncated. */
  static final int MAX_DATAGRAM = 4096;
  static final long RECEIVE_TIMEOUT_MS = 250;
  private static final int CONTROL_SIZE = 4096;
  private static final Logger LOG = LoggerFactory.getLogger(NotifySocket.class);
  private static final String PREFIX = "quiesce-notify-";
  /**
   * How old a directory without a socket must be to be swept: a JVM between creating its directory
   * and binding its socket (microseconds) is not disturbed, one that died there is cleaned up later.
   */
  static final long UNBOUND_DIRECTORY_AGE_MS = 10 * 60 * 1000;
  /** {@code quiesce-notify-<jvm pid>-<its start time>-<random>}: what the sweep looks at (the name is informative only). */
  private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-(\\d+)-\\d+");

  /**
   * One datagram as received.
   *
   * @param pid the sender's pid from its credentials, 0 when none came
   * @param payload the bytes, empty when {@code truncated}
   * @param truncated longer than {@link #MAX_DATAGRAM} (or its control data did not fit)
   * @param fds descriptors received with it (already open in this JVM: the receiver closes them)
   */
  record Datagram(int pid, byte[] payload, boolean truncated, int[] fds) {
  }

  /** Takes each datagram, on the socket's thread; must close its {@code fds}. */
  interface Receiver {
    void received(Datagram datagram);
  }

  private final int fd;
  private final Path dir;
  private final Path path;
  private final Thread thread;
  private volatile boolean closed;

  private NotifySocket(int fd, Path dir, Path path, Receiver receiver) {
    this.fd = fd;
    this.dir = dir;
    this.path = path;
    this.thread = new Thread(() -> loop(receiver), "quiesce-notify-socket");
    this.thread.setDaemon(true);
  }

  /**
   * Creates the socket in a new directory (mode 0700) under the first of {@code baseDirs} where the
   * path fits in {@code sun_path} (107 bytes), and starts reading. First removes the directories
   * there whose socket nobody is bound to any more (of JVMs killed before they could remove their
   * own, see {@link #sweep}).
   *
   * @throws IOException when no directory fits or the socket cannot be created
   */
  static NotifySocket open(List<Path> baseDirs, Receiver receiver) throws IOException {
    Path dir = null;
    for (Path base : baseDirs) {
      // the directory name (pid, start time, a random number) and "/notify" add at most 64 bytes
      if (base.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length + 64 <= UnixDatagrams.SUN_PATH_MAX
          && Files.isDirectory(base)) {
        sweep(base);
        int pid = (int) ProcessHandle.current().pid();
        dir = Files.createTempDirectory(base, PREFIX + pid + "-" + ProcStat.startTime(pid).orElse(0) + "-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        break;
      }
    }
    if (dir == null) {
      throw new IOException("no directory for the notify socket: each of " + baseDirs
          + " is missing or too long for a Unix socket path (" + UnixDatagrams.SUN_PATH_MAX + " bytes)");
    }
    Path path = dir.resolve("notify");
    int fd = -1;
    try {
      fd = UnixDatagrams.socket();
      UnixDatagrams.C.bind(fd, UnixDatagrams.sockaddr(path), UnixDatagrams.sockaddrLength(path));
      Memory one = new Memory(4);
      one.setInt(0, 1);
      UnixDatagrams.C.setsockopt(fd, UnixDatagrams.SOL_SOCKET, UnixDatagrams.SO_PASSCRED, one, 4);
      Memory timeout = new Memory(16);
      timeout.setLong(0, 0);
      timeout.setLong(8, RECEIVE_TIMEOUT_MS * 1000);
      UnixDatagrams.C.setsockopt(fd, UnixDatagrams.SOL_SOCKET, UnixDatagrams.SO_RCVTIMEO, timeout, 16);
    } catch (LastErrorException | IllegalArgumentException e) {
      if (fd >= 0) {
        UnixDatagrams.closeQuietly(fd);
      }
      deleteQuietly(path, dir);
      throw new IOException("cannot create the notify socket " + path + ": " + e.getMessage(), e);
    }
    NotifySocket socket = new NotifySocket(fd, dir, path, receiver);
    socket.thread.start();
    return socket;
  }

  /**
   * Removes the socket directories in {@code base} whose socket nobody is bound to any more: a
   * datagram {@code connect(2)} to it is refused ({@code ECONNREFUSED}: the file is left but no socket
   * is bound there, or it is not a socket), or whose socket was never made (no file) and that are
   * older than {@link #UNBOUND_DIRECTORY_AGE_MS}. The pid and start time in a directory's name are not
   * trusted: a JVM in another pid namespace (two containers sharing {@code java.io.tmpdir}) looks dead
   * from here while its socket is live. A directory that cannot be looked into (another user's) is left.
   */
  private static void sweep(Path base) {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, PREFIX + "*")) {
      for (Path d : dirs) {
        if (NAME.matcher(d.getFileName().toString()).matches() && abandoned(d)) {
          deleteQuietly(d.resolve("notify"), d);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not sweep old notify socket directories in {}: {}", base, e.toString());
    }
  }

  /** True when nobody can be listening in {@code dir}: see {@link #sweep}. */
  private static boolean abandoned(Path dir) throws IOException {
    Path socket = dir.resolve("notify");
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return Files.isReadable(dir) && System.currentTimeMillis()
          - Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toMillis() > UNBOUND_DIRECTORY_AGE_MS;
    }
    int fd = UnixDatagrams.socket();
    try {
      UnixDatagrams.C.connect(fd, UnixDatagrams.sockaddr(socket), UnixDatagrams.sockaddrLength(socket));
      return false; // someone is bound there
    } catch (LastErrorException e) {
      return e.getErrorCode() == UnixDatagrams.ECONNREFUSED;
    } finally {
      UnixDatagrams.closeQuietly(fd);
    }
  }

  /** The socket's path: the value of {@code NOTIFY_SOCKET}. */
  Path path() {
    return path;
  }

  private void loop(Receiver receiver) {
    Memory data = new Memory(MAX_DATAGRAM);
    Memory control = new Memory(CONTROL_SIZE);
    while (!closed) {
      Memory msg = UnixDatagrams.msghdr(null, 0, data, MAX_DATAGRAM, control, CONTROL_SIZE);
      long n;
      try {
        n = UnixDatagrams.C.recvmsg(fd, msg, UnixDatagrams.MSG_CMSG_CLOEXEC);
      } catch (LastErrorException e) {
        if (e.getErrorCode() != UnixDatagrams.EAGAIN && e.getErrorCode() != UnixDatagrams.EINTR && !closed) {
          LOG.warn("notify socket {}: recvmsg failed: errno {}", path, e.getErrorCode());
          sleepBriefly();
        }
        continue;
      }
      if (closed && n == 0) {
        break; // woken by the shutdown
      }
      try {
        receiver.received(parse(msg, data, control, n));
      } catch (RuntimeException e) {
        LOG.error("notify socket {}: a message could not be handled", path, e);
      }
    }
  }

  private static Datagram parse(Memory msg, Memory data, Memory control, long n) {
    int flags = msg.getInt(48);
    long controlLength = msg.getLong(40);
    int pid = 0;
    int[] fds = new int[0];
    long at = 0;
    while (at + UnixDatagrams.CMSG_HEADER <= controlLength) {
      long length = control.getLong(at);
      if (length < UnixDatagrams.CMSG_HEADER || at + length > controlLength) {
        break;
      }
      int level = control.getInt(at + 8);
      int type = control.getInt(at + 12);
      if (level == UnixDatagrams.SOL_SOCKET && type == UnixDatagrams.SCM_CREDENTIALS
          && length >= UnixDatagrams.CMSG_HEADER + 12) {
        pid = control.getInt(at + UnixDatagrams.CMSG_HEADER);
      } else if (level == UnixDatagrams.SOL_SOCKET && type == UnixDatagrams.SCM_RIGHTS) {
        int[] more = control.getIntArray(at + UnixDatagrams.CMSG_HEADER,
            (int) ((length - UnixDatagrams.CMSG_HEADER) / 4));
        int[] all = new int[fds.length + more.length];
        System.arraycopy(fds, 0, all, 0, fds.length);
        System.arraycopy(more, 0, all, fds.length, more.length);
        fds = all;
      }
      at += UnixDatagrams.cmsgAlign(length);
    }
    boolean truncated = (flags & (UnixDatagrams.MSG_TRUNC | UnixDatagrams.MSG_CTRUNC)) != 0;
    byte[] payload = truncated ? new byte[0] : data.getByteArray(0, (int) n);
    return new Datagram(pid, payload, truncated, fds);
  }

  private static void sleepBriefly() {
    try {
      Thread.sleep(RECEIVE_TIMEOUT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops reading (within {@link #RECEIVE_TIMEOUT_MS}, the thread is waited for twice that at most),
   * closes the socket and removes its directory. Blocks briefly: call it off the event loop.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      UnixDatagrams.C.shutdown(fd, UnixDatagrams.SHUT_RDWR);
    } catch (LastErrorException e) {
      // the receive timeout ends the loop anyway
    }
    try {
      thread.join(2 * RECEIVE_TIMEOUT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    UnixDatagrams.closeQuietly(fd);
    deleteQuietly(path, dir);
  }

  private static void deleteQuietly(Path path, Path dir) {
    try {
      Files.deleteIfExists(path);
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      LOG.warn("could not remove the notify socket's directory {}: {}", dir, e.toString());
    }
  }
}
