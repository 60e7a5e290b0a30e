package dev.quiesce.process.impl;

import dev.quiesce.process.impl.NotifySocket.Datagram;
import dev.quiesce.systemd.impl.UnixDatagrams;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Routes the datagrams of the {@link NotifySocket} to the instances they come from, by the sender's
 * pid (from its credentials, checked while the sender still runs): the pid of an instance's child,
 * the {@code MAINPID} it declared, or any process of the child's process group (children lead their
 * own group, pid = pgid). A datagram from any other process is ignored and counted ({@code foreign}),
 * and so is a garbled one ({@code invalid}: too long, empty, not UTF-8, a NUL byte, no credentials);
 * a log line says so, at most one a second. Each message is handled on the supervisor's context; the
 * descriptors that came with it (a {@code BARRIER=1}) are closed once it and every message before it
 * from the socket were handled there (waited for at most {@link #HANDLED_WAIT_MS}), so a sender that
 * waits for its barrier knows its messages were taken.
 */
final class Notifications implements NotifySocket.Receiver {

  static final long HANDLED_WAIT_MS = 1000;
  /** How long a message from the group of a child just spawned waits for the child to be recorded. */
  static final long UNTRACKED_CHILD_WAIT_MS = 1000;

  /** A running child and its instance. */
  private record Entry(Instance instance, Child child) {
  }

  private final Context context;
  private final Logger log;
  private final Map<Integer, Entry> byLeader = new ConcurrentHashMap<>();
  private final Map<Integer, Entry> byMainPid = new ConcurrentHashMap<>();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong foreign = new AtomicLong();
  private final AtomicLong invalid = new AtomicLong();
  private final AtomicLong mainPidRefused = new AtomicLong();
  private final RateLimiter logLines = new RateLimiter(1);
  private volatile Path socket;
  private volatile String unavailable;

  /**
   * @param context the supervisor's context, where messages are handled
   * @param log where ignored messages are logged
   */
  Notifications(Context context, Logger log) {
    this.context = context;
    this.log = log;
  }

  /** The socket is bound at {@code path}: children get it as {@code NOTIFY_SOCKET}. */
  void opened(Path path) {
    this.socket = path;
  }

  /** No socket could be made: children get no {@code NOTIFY_SOCKET}, and the status says why. */
  void unavailable(String why) {
    this.unavailable = why;
  }

  /** The value of {@code NOTIFY_SOCKET} for a child, or null without a socket. */
  String socketPath() {
    Path p = socket;
    return p == null ? null : p.toString();
  }

  /** Messages from {@code c} and its process group go to {@code instance} from now on. */
  void track(Child c, Instance instance) {
    byLeader.put(c.pid, new Entry(instance, c));
  }

  /** {@code c} is gone (its main pid too): its pids are no longer attributed. */
  void untrack(Child c) {
    byLeader.remove(c.pid);
    byMainPid.values().removeIf(e -> e.child() == c);
  }

  /** {@code pid} is the main pid of {@code c} now (it was checked to be in {@code c}'s group). */
  void mainPid(Child c, Instance instance, int pid) {
    byMainPid.values().removeIf(e -> e.child() == c);
    byMainPid.put(pid, new Entry(instance, c));
  }

  /** A {@code MAINPID=} that named a process outside the child's group was refused. */
  void mainPidRefused() {
    mainPidRefused.incrementAndGet();
  }

  @Override
  public void received(Datagram d) {
    received.incrementAndGet();
    NotifyMessage m = d.truncated() || d.pid() <= 0 ? null : NotifyMessage.parse(d.payload());
    if (m == null) {
      invalid.incrementAndGet();
      logIgnored("a garbled notify message from pid {} ({}) ignored", d.pid(), d.truncated()
          ? "longer than " + NotifySocket.MAX_DATAGRAM + " bytes" : d.pid() <= 0 ? "no credentials"
          : d.payload().length + " bytes, empty, not UTF-8 or with a NUL byte");
      closeAll(d.fds());
      return;
    }
    Entry e = attribute(d.pid());
    if (e == null) {
      foreign.incrementAndGet();
      logIgnored("a notify message from pid {} ignored: it is not a process of any child's process group ({})",
          d.pid(), abbreviate(d.payload()));
      closeAll(d.fds());
      return;
    }
    accepted.incrementAndGet();
    if (d.fds().length == 0) {
      context.runOnContext(v -> e.instance().notified(e.child(), d.pid(), m));
      return;
    }
    CountDownLatch handled = new CountDownLatch(1);
    context.runOnContext(v -> {
      try {
        e.instance().notified(e.child(), d.pid(), m);
      } finally {
        handled.countDown();
      }
    });
    try {
      handled.await(HANDLED_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    } finally {
      closeAll(d.fds());
    }
  }

  /**
   * The instance a sender belongs to, or null. A child may speak before the supervisor has recorded
   * it (a fast {@code READY=1} right after the spawn): when the sender's process group is led by a
   * child of this JVM that is not tracked yet, the record is waited for, at most
   * {@link #UNTRACKED_CHILD_WAIT_MS}, on this (the socket's) thread.
   */
  private Entry attribute(int pid) {
    Entry e = byLeader.get(pid);
    if (e == null) {
      e = byMainPid.get(pid);
    }
    if (e != null) {
      return e;
    }
    ProcStat s = ProcStat.of(pid);
    if (s == null) {
      return null;
    }
    e = byLeader.get(s.pgrp());
    if (e != null || !isChildOfThisJvm(s.pgrp())) {
      return e;
    }
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UNTRACKED_CHILD_WAIT_MS);
    while (e == null && System.nanoTime() < until) {
      try {
        Thread.sleep(2);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        return null;
      }
      e = byLeader.get(s.pgrp());
    }
    return e;
  }

  private static boolean isChildOfThisJvm(int pid) {
    ProcStat leader = ProcStat.of(pid);
    return leader != null && leader.ppid() == ProcessHandle.current().pid();
  }

  private void logIgnored(String format, Object pid, Object detail) {
    long skipped = logLines.acquire();
    if (skipped >= 0) {
      log.warn(format + (skipped > 0 ? " (" + skipped + " more ignored since the last such line)" : ""), pid, detail);
    }
  }

  private static String abbreviate(byte[] payload) {
    String text = new String(payload, 0, Math.min(payload.length, 80), StandardCharsets.UTF_8).replace('\n', ' ');
    return payload.length > 80 ? text + "…" : text;
  }

  /** Closes descriptors a datagram carried ({@code SCM_RIGHTS}), errors ignored. */
  static void closeAll(int[] fds) {
    for (int fd : fds) {
      UnixDatagrams.closeQuietly(fd);
    }
  }

  /**
   * {@code {"socket": path, "received", "accepted", "foreign", "invalid", "mainPidRefused"}}, and
   * {@code "error"} when there is no socket.
   */
  JsonObject status() {
    JsonObject s = new JsonObject().put("socket", socketPath()).put("received", received.get())
        .put("accepted", accepted.get()).put("foreign", foreign.get()).put("invalid", invalid.get())
        .put("mainPidRefused", mainPidRefused.get());
    if (unavailable != null) {
      s.put("error", unavailable);
    }
    return s;
  }
}
