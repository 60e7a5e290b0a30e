package dev.quiesce.process.impl;

import dev.quiesce.lifecycle.EventBusContract.ProcessEvent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps track of every descendant of every child, so that those that leave the child's process
 * group ({@code setsid}, {@code setpgid}, a daemon's double fork) can still be found, reported and
 * killed: a signal to the group does not reach them, and once their parent has exited their parent
 * pid no longer leads back to the child.
 *
 * <p>A scan reads {@code /proc/<pid>/stat} of every process, on a worker thread, and follows from
 * each child (and from every descendant already known, by pid <em>and</em> start time, so a reused
 * pid is never mistaken for one): its children by parent pid; the members of every session and
 * process group a known process leads (so a process whose parent has gone is still traced through
 * the session or group its ancestor created, and the child's own session keeps a {@code setpgid}
 * escapee). Scans run every {@code descendantScanInterval} while children run, before a stop ladder
 * sends its first signal unless a periodic one that covered that child is recent
 * ({@link #scannedWithin}: a child started after the newest scan always gets one), and after a child
 * has exited. Concurrent requests share one scan.
 * The scan after a child has exited also reads {@code /proc/<pid>/environ} of every process this
 * user may read, looking for the child's {@value #CHILD_ID} (every child gets a unique one, and its
 * descendants inherit it): a double-forked daemon whose every ancestor exited between two scans is
 * found that way, unless it cleared its environment. It skips the members of a running child's own
 * process group (they are traced from that child, and a group is joined only from within its
 * session) and the processes that started before the oldest child (a descendant starts after its
 * ancestor; start times in clock ticks since boot).
 *
 * <p>An <em>escapee</em> is a known descendant outside the child's process group. Each is reported
 * once when first seen ({@code escaped} event, a warning) and, when the child has exited, killed
 * with SIGKILL (by pid, after checking its start time; a process group it leads is killed too) and
 * reported ({@code escapees-killed} event, the {@code escapees} of the child's stop result).
 *
 * <p>Limits: a descendant that escapes, clears its environment, and whose every traced ancestor
 * exits between two scans is not found; a process that changed its user can be neither read nor
 * killed (EPERM, reported as not killed); a JVM killed with SIGKILL leaves escapees alone (the
 * guardian knows only process groups).
 *
 * <p>Runs on the supervisor's context, except the scan itself.
 */
final class Descendants {

  /** The environment variable that carries each child's unique id to all its descendants. */
  static final String CHILD_ID = "QUIESCE_CHILD_ID";
  private static final byte[] CHILD_ID_ENTRY = (CHILD_ID + "=").getBytes(StandardCharsets.US_ASCII);

  /** A descendant as last seen: identity (pid, start time), where it is (group, session) and what it runs. */
  record Known(int pid, long startTime, int ppid, int pgid, int sid, String command) {

    JsonObject json() {
      return new JsonObject().put("pid", pid).put("ppid", ppid).put("pgid", pgid).put("sid", sid)
          .put("command", command);
    }
  }

  private static final class Tracked {
    final int pid;
    final long startTime;
    final String id;
    final Instance instance;
    /** Descendants by pid, the child itself excluded. */
    Map<Integer, Known> known = new LinkedHashMap<>();
    final Set<Integer> reported = new HashSet<>();
    /**
     * When the /proc snapshot of the newest completed scan that covered this child was begun
     * ({@link System#nanoTime()}); 0: none yet. Such a scan began after the child was tracked.
     */
    long scanBegan;

    Tracked(int pid, long startTime, String id, Instance instance) {
      this.pid = pid;
      this.startTime = startTime;
      this.id = id;
      this.instance = instance;
    }
  }

  private static final int MAX_COMMAND = 200;

  private final Context context;
  private final Events events;
  private final org.slf4j.Logger log;
  private final Map<Integer, Tracked> tracked = new LinkedHashMap<>();
  private Future<Void> scanning;
  private boolean scanningDeep;

  Descendants(Context context, Events events, org.slf4j.Logger log) {
    this.context = context;
    this.events = events;
    this.log = log;
  }

  /** Starts tracking the descendants of a child just started. */
  void track(Child c, Instance instance) {
    tracked.put(c.pid, new Tracked(c.pid, c.startTime, c.id, instance));
  }

  boolean isEmpty() {
    return tracked.isEmpty();
  }

  /** One scan of /proc (shared with any scan already running); completes on the supervisor's context, never fails. */
  Future<Void> refresh() {
    return refresh(false);
  }

  /**
   * One scan; {@code deep} also reads every process's environment for the children's ids. A request
   * while a scan runs shares it, or (deep after shallow) follows it.
   */
  Future<Void> refresh(boolean deep) {
    if (scanning != null) {
      return deep && !scanningDeep ? scanning.compose(v -> refresh(true)) : scanning;
    }
    if (tracked.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<Integer, Tracked> roots = new LinkedHashMap<>(tracked);
    Map<Integer, Map<Integer, Known>> before = new HashMap<>();
    roots.forEach((pid, t) -> before.put(pid, new LinkedHashMap<>(t.known)));
    long began = System.nanoTime();
    Future<Void> scan = context.<Map<Integer, Map<Integer, Known>>>executeBlocking(() -> scan(roots, before, deep),
            false)
        .map(found -> {
          // a child tracked anew under a pid the scan followed for another is not covered by it
          found.forEach((leader, descendants) -> {
            if (tracked.get(leader) == roots.get(leader)) {
              apply(leader, descendants, began);
            }
          });
          return (Void) null;
        })
        .otherwise(err -> {
          log.debug("descendant scan failed: {}", err.toString());
          return null;
        })
        .onComplete(ar -> scanning = null);
    if (!scan.isComplete()) {
      scanning = scan;
      scanningDeep = deep;
    }
    return scan;
  }

  /**
   * A scan that covered the child {@code c} (so began after it was tracked) began less than
   * {@code maxAgeNanos} ago and has completed: its descendants known are as recent as that. False when
   * no completed scan covered it yet (a child started after the newest scan), or it is not tracked.
   */
  boolean scannedWithin(Child c, long maxAgeNanos) {
    Tracked t = tracked.get(c.pid);
    return t != null && t.startTime == c.startTime && t.scanBegan != 0
        && System.nanoTime() - t.scanBegan < maxAgeNanos;
  }

  private void apply(int leader, Map<Integer, Known> found, long scanBegan) {
    Tracked t = tracked.get(leader);
    if (t == null) {
      return;
    }
    t.known = found;
    t.scanBegan = scanBegan;
    for (Known k : found.values()) {
      if (k.pgid() != leader && t.reported.add(k.pid())) {
        Instance i = t.instance;
        log.warn("group {} instance {}: pid {} ({}) left the process group of pid {} (setsid or setpgid): it does not"
            + " hear the group's signals; it is killed when the child has exited", i.groupName(), i.index(), k.pid(),
            k.command(), leader);
        events.publish(ProcessEvent.ESCAPED, Events.of(i).put("pid", leader).put("escapee", k.json()));
      }
    }
  }

  /**
   * After the child {@code c} has exited: a last scan, then SIGKILL to every escapee still running
   * (and to a process group it leads); stops tracking the child.
   *
   * @return one entry per escapee found: {@code pid, ppid, pgid, sid, command, killed} (never fails)
   */
  Future<JsonArray> killEscapees(Child c, Instance instance) {
    if (!tracked.containsKey(c.pid)) {
      return Future.succeededFuture(new JsonArray());
    }
    return refresh(true).compose(v -> {
      Tracked t = tracked.remove(c.pid);
      JsonArray out = new JsonArray();
      if (t == null) {
        return Future.succeededFuture(out);
      }
      for (Known k : t.known.values()) {
        if (k.pgid() == c.pid || !ProcStat.isSameProcess(k.pid(), k.startTime())) {
          continue; // still in the child's group (killed with it), or gone
        }
        int err = Posix.kill(k.pid(), dev.quiesce.signal.PosixSignal.KILL.number());
        if (k.pgid() == k.pid() && k.pid() > 1) {
          Posix.killpg(k.pid(), dev.quiesce.signal.PosixSignal.KILL.number());
        }
        out.add(k.json().put("killed", err == 0).put("errno", err == 0 ? null : err));
      }
      if (!out.isEmpty()) {
        log.warn("group {} instance {}: {} process(es) that had left the process group of pid {} killed: {}",
            instance.groupName(), instance.index(), out.size(), c.pid, out.encode());
        events.publish(ProcessEvent.ESCAPEES_KILLED, Events.of(instance).put("pid", c.pid).put("count", out.size())
            .put("escapees", out));
      }
      return Future.succeededFuture(out);
    });
  }

  // ---------------------------------------------------------------- the scan, on a worker thread

  private static Map<Integer, Map<Integer, Known>> scan(Map<Integer, Tracked> roots,
      Map<Integer, Map<Integer, Known>> before, boolean deep) {
    List<ProcStat> all = ProcStat.all();
    Map<Integer, ProcStat> byPid = new HashMap<>();
    Map<Integer, List<ProcStat>> byParent = new HashMap<>();
    Map<Integer, List<ProcStat>> bySession = new HashMap<>();
    Map<Integer, List<ProcStat>> byGroup = new HashMap<>();
    for (ProcStat s : all) {
      if (s.zombie()) {
        continue;
      }
      byPid.put(s.pid(), s);
      byParent.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s);
      bySession.computeIfAbsent(s.session(), k -> new ArrayList<>()).add(s);
      byGroup.computeIfAbsent(s.pgrp(), k -> new ArrayList<>()).add(s);
    }
    int self = (int) ProcessHandle.current().pid();
    Map<String, List<ProcStat>> byChildId = new HashMap<>();
    if (deep) {
      Set<String> ids = new HashSet<>();
      roots.values().forEach(t -> ids.add(t.id));
      Set<Integer> liveLeaders = liveLeaders(roots, byPid);
      long oldestChild = roots.values().stream().mapToLong(t -> t.startTime).min().orElse(Long.MAX_VALUE);
      for (ProcStat s : byPid.values()) {
        // a member of a running child's own group is traced from that child through the group: its
        // environment would name no one else (a group is joined only from within its session); a
        // process started before the oldest child descends from none of them
        if (s.pid() != self && !liveLeaders.contains(s.pgrp()) && s.startTime() >= oldestChild) {
          String id = childIdOf(s.pid());
          if (id != null && ids.contains(id)) {
            byChildId.computeIfAbsent(id, k -> new ArrayList<>()).add(s);
          }
        }
      }
    }
    Map<Integer, Map<Integer, Known>> result = new HashMap<>();
    roots.forEach((leader, t) -> {
      Map<Integer, Known> previous = before.getOrDefault(leader, Map.of());
      Deque<ProcStat> queue = new ArrayDeque<>();
      Set<Integer> seen = new HashSet<>();
      ProcStat root = byPid.get(leader);
      if (root != null && root.startTime() == t.startTime) {
        queue.add(root);
        seen.add(leader);
      }
      for (Known k : previous.values()) {
        ProcStat s = byPid.get(k.pid());
        if (s != null && s.startTime() == k.startTime() && seen.add(s.pid())) {
          queue.add(s);
        }
      }
      for (ProcStat s : byChildId.getOrDefault(t.id, List.of())) {
        if (seen.add(s.pid())) {
          queue.add(s);
        }
      }
      Map<Integer, Known> found = new LinkedHashMap<>();
      while (!queue.isEmpty()) {
        ProcStat s = queue.poll();
        if (s.pid() != leader) {
          Known old = previous.get(s.pid());
          String command = old != null && old.startTime() == s.startTime() ? old.command() : command(s.pid());
          found.put(s.pid(), new Known(s.pid(), s.startTime(), s.ppid(), s.pgrp(), s.session(), command));
        }
        List<ProcStat> next = new ArrayList<>(byParent.getOrDefault(s.pid(), List.of()));
        if (s.session() == s.pid()) {
          next.addAll(bySession.getOrDefault(s.pid(), List.of()));
        }
        if (s.pgrp() == s.pid()) {
          next.addAll(byGroup.getOrDefault(s.pid(), List.of()));
        }
        for (ProcStat n : next) {
          if (n.pid() > 1 && n.pid() != self && seen.add(n.pid())) {
            queue.add(n);
          }
        }
      }
      result.put(leader, found);
    });
    return result;
  }

  /** The pids of the tracked children still running (same pid and start time): each leads its own group. */
  private static Set<Integer> liveLeaders(Map<Integer, Tracked> roots, Map<Integer, ProcStat> byPid) {
    Set<Integer> out = new HashSet<>();
    roots.forEach((pid, t) -> {
      ProcStat s = byPid.get(pid);
      if (s != null && s.startTime() == t.startTime && s.pgrp() == pid) {
        out.add(pid);
      }
    });
    return out;
  }

  /** The value of {@value #CHILD_ID} in the environment of {@code pid}, or null (none, or not readable). */
  private static String childIdOf(int pid) {
    byte[] env;
    try {
      env = Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "environ"));
    } catch (IOException | RuntimeException e) {
      return null;
    }
    byte[] key = CHILD_ID_ENTRY;
    int start = 0;
    for (int i = 0; i <= env.length; i++) {
      if (i == env.length || env[i] == 0) {
        if (i - start > key.length && java.util.Arrays.equals(env, start, start + key.length, key, 0, key.length)) {
          return new String(env, start + key.length, i - start - key.length, StandardCharsets.US_ASCII);
        }
        start = i + 1;
      }
    }
    return null;
  }

  /** The command line of {@code pid}, cut to 200 characters, or its name; "?" when it cannot be read. */
  private static String command(int pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "cmdline"));
      String line = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim();
      if (line.isEmpty()) {
        line = Files.readString(Path.of("/proc", Integer.toString(pid), "comm"), StandardCharsets.UTF_8).trim();
      }
      return line.length() > MAX_COMMAND ? line.substring(0, MAX_COMMAND) + "…" : line;
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }
}
