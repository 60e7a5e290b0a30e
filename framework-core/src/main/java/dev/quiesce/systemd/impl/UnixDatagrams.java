package dev.quiesce.systemd.impl;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Unix datagram sockets through libc and JNA, the glue both sides of the sd_notify protocol share:
 * {@link dev.quiesce.systemd.SdNotify} sends with it, the process manager's notify socket receives with it. Not an
 * application API: use {@link dev.quiesce.systemd.SdNotify}. It is what the protocol needs and the JDK does not
 * offer (Java 17's {@code DatagramChannel} has no {@code AF_UNIX}; netty's epoll domain datagram
 * channel gives the sender's address but not its {@code SCM_CREDENTIALS}). Builds the C structures by
 * hand for LP64 Linux (x86-64 and arm64, the platforms the process manager supports): {@code msghdr}
 * (56 bytes), {@code iovec} (16), {@code cmsghdr} (16 before the data), {@code sockaddr_un} (110).
 */
public final class UnixDatagrams {

  public static final int AF_UNIX = 1;
  public static final int SOCK_DGRAM = 2;
  public static final int SOCK_CLOEXEC = 0x80000;
  public static final int SOL_SOCKET = 1;
  public static final int SO_PASSCRED = 16;
  public static final int SO_RCVTIMEO = 20;
  public static final int SCM_RIGHTS = 1;
  public static final int SCM_CREDENTIALS = 2;
  public static final int MSG_CTRUNC = 0x8;
  public static final int MSG_TRUNC = 0x20;
  /** {@code sendmsg}/{@code recvmsg} fail with {@link #EAGAIN} instead of waiting. */
  public static final int MSG_DONTWAIT = 0x40;
  public static final int MSG_CMSG_CLOEXEC = 0x40000000;
  public static final int SHUT_RDWR = 2;
  public static final int EINTR = 4;
  public static final int EAGAIN = 11;
  public static final int ECONNREFUSED = 111;
  /** {@code sun_path} holds 108 bytes, the terminating NUL included. */
  public static final int SUN_PATH_MAX = 107;
  public static final int MSGHDR_SIZE = 56;
  public static final int CMSG_HEADER = 16;

  /** The libc calls, each throwing {@link LastErrorException} with {@code errno} on failure. */
  public interface Calls extends Library {
    int socket(int domain, int type, int protocol) throws LastErrorException;

    int bind(int fd, Pointer addr, int len) throws LastErrorException;

    int setsockopt(int fd, int level, int name, Pointer value, int len) throws LastErrorException;

    long recvmsg(int fd, Pointer msg, int flags) throws LastErrorException;

    long sendmsg(int fd, Pointer msg, int flags) throws LastErrorException;

    int connect(int fd, Pointer addr, int len) throws LastErrorException;

    int shutdown(int fd, int how) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int pipe2(int[] fds, int flags) throws LastErrorException;

    int poll(Pointer fds, long n, int timeoutMs) throws LastErrorException;
  }

  public static final Calls C = Native.load("c", Calls.class);

  private UnixDatagrams() {
  }

  /** A new {@code AF_UNIX} datagram socket, closed on exec. */
  public static int socket() {
    return C.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  }

  /**
   * {@code sockaddr_un} for {@code path}; its length is {@link #sockaddrLength(Path)}. A path that
   * begins with {@code @} names a socket in the abstract namespace (as {@code NOTIFY_SOCKET} may).
   */
  public static Memory sockaddr(Path path) {
    byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
    if (bytes.length > SUN_PATH_MAX) {
      throw new IllegalArgumentException("a Unix socket path has at most " + SUN_PATH_MAX + " bytes: " + path);
    }
    Memory addr = new Memory(110);
    addr.clear();
    addr.setShort(0, (short) AF_UNIX);
    addr.write(2, bytes, 0, bytes.length);
    if (isAbstract(path)) {
      addr.setByte(2, (byte) 0);
    }
    return addr;
  }

  public static int sockaddrLength(Path path) {
    int length = path.toString().getBytes(StandardCharsets.UTF_8).length;
    return isAbstract(path) ? 2 + length : 2 + length + 1;
  }

  private static boolean isAbstract(Path path) {
    return path.toString().startsWith("@");
  }

  /**
   * A {@code msghdr} with one {@code iovec} over {@code data} (the iovec lives in the same block, after
   * the header), the optional address and control buffer.
   */
  public static Memory msghdr(Pointer name, int nameLength, Memory data, long dataLength, Memory control, long controlLength) {
    Memory msg = new Memory(MSGHDR_SIZE + 16);
    msg.clear();
    Pointer iov = msg.share(MSGHDR_SIZE);
    iov.setPointer(0, data);
    iov.setLong(8, dataLength);
    msg.setPointer(0, name);
    msg.setInt(8, nameLength);
    msg.setPointer(16, iov);
    msg.setLong(24, 1);
    msg.setPointer(32, control);
    msg.setLong(40, control == null ? 0 : controlLength);
    return msg;
  }

  /** {@code close(2)}, errors ignored (a descriptor received in a message, or our own at the end). */
  public static void closeQuietly(int fd) {
    try {
      C.close(fd);
    } catch (LastErrorException e) {
      // nothing to do: the descriptor is gone either way
    }
  }

  /** Rounds a control message length up as {@code CMSG_ALIGN} does on LP64. */
  public static long cmsgAlign(long n) {
    return (n + 7) & ~7L;
  }
}
