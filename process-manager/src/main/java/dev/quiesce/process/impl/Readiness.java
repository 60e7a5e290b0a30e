package dev.quiesce.process.impl;

import dev.quiesce.process.ProcessGroupConfig.Ready;

/**
 * Arms the readiness check of a child just started, as its group's {@code ready} says: at once,
 * after a delay, on a matching output line, or when its TCP port accepts (polled every 100 ms).
 * A child not ready within {@code ready.timeout} is reported to its instance. Runs on the
 * supervisor's context.
 */
final class Readiness {

  static final long TCP_POLL_MS = 100;

  private Readiness() {
  }

  /** Called before the child's output is read, so that a {@code logLine} cannot be missed. */
  static void arm(Supervisor sup, Instance instance, Child child, Ready ready) {
    switch (ready.kind()) {
      case NONE -> {
        instance.markReady(child);
        return;
      }
      case DELAY -> instance.readyTimer = sup.vertx.setTimer(Math.max(1, ready.delay().toMillis()),
          id -> instance.markReady(child));
      case LOG_LINE -> child.readyPattern = ready.logLine();
      case TCP_PORT -> pollPort(sup, instance, child, ready.host(), ready.tcpPort() + instance.index);
      default -> throw new IllegalStateException();
    }
    instance.readyTimeoutTimer = sup.vertx.setTimer(Math.max(1, ready.timeout().toMillis()),
        id -> instance.readyTimedOut(child));
  }

  private static void pollPort(Supervisor sup, Instance instance, Child child, String host, int port) {
    if (!instance.isStarting(child)) {
      return;
    }
    sup.net.connect(port, host).onComplete(ar -> {
      if (ar.succeeded()) {
        ar.result().close();
        instance.markReady(child);
      } else if (instance.isStarting(child)) {
        instance.readyTimer = sup.vertx.setTimer(TCP_POLL_MS, id -> pollPort(sup, instance, child, host, port));
      }
    });
  }
}
