package dev.quiesce.launcher.impl;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether this process can share its listening ports with a successor ({@code SO_REUSEPORT}, which
 * Vert.x applies only on the native epoll transport), and what Linux does with the connections
 * still queued in a listener that closes ({@code net.ipv4.tcp_migrate_req}). Read once at start; the
 * start line shows it and {@code upgrade} is refused with {@link #whyNot()} when ports cannot be shared.
 *
 * @param reusePort true when the native transport is enabled, so framework-web binds with reusePort
 * @param transport {@code epoll} or {@code nio}
 * @param whyNot why the native transport is not in use (empty when it is)
 * @param tcpMigrateReq the value of {@code net.ipv4.tcp_migrate_req}, empty when it cannot be read
 *     (a kernel before 5.14)
 */
record ListenerSharing(boolean reusePort, String transport, Optional<String> whyNot, Optional<Integer> tcpMigrateReq) {

  static final Path TCP_MIGRATE_REQ = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");

  static ListenerSharing of(Vertx vertx) {
    Optional<Integer> migrate = readTcpMigrateReq();
    if (vertx.isNativeTransportEnabled()) {
      return new ListenerSharing(true, "epoll", Optional.empty(), migrate);
    }
    Throwable cause = vertx.unavailableNativeTransportCause();
    String why = "the native epoll transport is not in use ("
        + (cause == null ? "VertxOptions.preferNativeTransport was turned off" : cause.toString())
        + "), so no listener can share its port (SO_REUSEPORT)";
    return new ListenerSharing(false, "nio", Optional.of(why), migrate);
  }

  private static Optional<Integer> readTcpMigrateReq() {
    try {
      return Optional.of(Integer.parseInt(Files.readString(TCP_MIGRATE_REQ).strip()));
    } catch (IOException | NumberFormatException | SecurityException e) {
      return Optional.empty();
    }
  }

  /**
   * {@code transport=epoll reusePort=on tcp_migrate_req=0 (…)}, or with NIO {@code transport=nio
   * reusePort=off (why): upgrade refused}.
   */
  String describe() {
    StringBuilder s = new StringBuilder("transport=").append(transport).append(" reusePort=")
        .append(reusePort ? "on" : "off");
    whyNot.ifPresent(why -> s.append(" (").append(why).append("): upgrade refused"));
    s.append(" tcp_migrate_req=").append(tcpMigrateReq.map(String::valueOf).orElse("unknown"));
    tcpMigrateReq.ifPresentOrElse(v -> s.append(v == 1
        ? " (an upgrade moves connections queued on the old listener to the new one)"
        : " (connections still queued on the old listener when it closes at an upgrade are reset; 1 moves them)"),
        () -> s.append(" (kernel before 5.14: queued connections are reset when the old listener closes)"));
    return s.toString();
  }
}
