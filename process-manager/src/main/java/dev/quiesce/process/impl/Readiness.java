package dev.quiesce.process.impl;

import dev.quiesce.process.ProcessGroupConfig.Ready;
import java.util.regex.Pattern;

/**
 * The readiness check of one child just started, as its group's {@code ready} says: at once, after
 * a delay, on a matching output line, when its TCP port accepts (polled every 100 ms), or on its
 * {@code READY=1} ({@code notify}: the {@link Instance} is told by {@link Notifications}). A child
 * not ready within {@code ready.timeout} is reported to its instance. Owns its timers. Runs on the
 * supervisor's context, except {@link #readyOn(String)}.
 */
final class Readiness {

  static final long TCP_POLL_MS = 100;

  private final GroupContext ctx;
  private final Instance instance;
  private final Child child;
  private long timer = -1;
  private long timeoutTimer = -1;
  /** While set, the first output line that matches makes the instance ready. */
  private volatile Pattern logLine;

  private Readiness(GroupContext ctx, Instance instance, Child child) {
    this.ctx = ctx;
    this.instance = instance;
    this.child = child;
  }

  /** Arms the check; call it before the child's output is read, so that a {@code logLine} cannot be missed. */
  static Readiness arm(GroupContext ctx, Instance instance, Child child, Ready ready) {
    Readiness r = new Readiness(ctx, instance, child);
    switch (ready.kind()) {
      case NONE -> {
        instance.markReady(child);
        return r;
      }
      case DELAY -> r.timer = ctx.vertx().setTimer(Math.max(1, ready.delay().toMillis()), id -> {
        r.timer = -1;
        instance.markReady(child);
      });
      case LOG_LINE -> r.logLine = ready.logLine();
      case TCP_PORT -> r.pollPort(ready.host(), ready.tcpPort() + instance.index());
      case NOTIFY -> {
        // READY=1 arrives through the notify socket: only the timeout is armed here
      }
      default -> throw new IllegalStateException();
    }
    r.timeoutTimer = ctx.vertx().setTimer(Math.max(1, ready.timeout().toMillis()), id -> {
      r.timeoutTimer = -1;
      instance.readyTimedOut(child);
    });
    return r;
  }

  /**
   * On the output reader thread: true for the first line that matches {@code ready.logLine} (the
   * instance is to be marked ready); false for every other line and once the check was cancelled.
   */
  boolean readyOn(String line) {
    Pattern p = logLine;
    if (p != null && p.matcher(line).find()) {
      logLine = null;
      return true;
    }
    return false;
  }

  /** Ends the check: the child is ready, being stopped, or gone. */
  void cancel() {
    logLine = null;
    if (timer >= 0) {
      ctx.vertx().cancelTimer(timer);
      timer = -1;
    }
    if (timeoutTimer >= 0) {
      ctx.vertx().cancelTimer(timeoutTimer);
      timeoutTimer = -1;
    }
  }

  private void pollPort(String host, int port) {
    if (!instance.isStarting(child)) {
      return;
    }
    ctx.net().connect(port, host).onComplete(ar -> {
      if (ar.succeeded()) {
        ar.result().close();
        instance.markReady(child);
      } else if (instance.isStarting(child)) {
        timer = ctx.vertx().setTimer(TCP_POLL_MS, id -> {
          timer = -1;
          pollPort(host, port);
        });
      }
    });
  }
}
