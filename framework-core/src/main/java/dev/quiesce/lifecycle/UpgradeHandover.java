package dev.quiesce.lifecycle;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the two processes of an {@link LifecycleCommand#UPGRADE upgrade} tell each other about the
 * resources only one of them may hold at a time, as the components of one process see it. One per
 * Vert.x instance ({@link #of(Vertx)}); the launcher connects it to the handover socket.
 *
 * <p><b>In the successor</b> (the process an upgrade started): {@link #predecessorPid()} names the
 * predecessor's pid. A component that must not overlap with the predecessor's
 * copy (the process manager's groups marked {@code "upgrade": "exclusive"}) waits for
 * {@link #whenReleased(String)} (the predecessor said it stopped its own) or
 * {@link #whenPredecessorExited()} (it is gone, also when it was killed: whatever it left behind is
 * the waiting component's to clean up first).
 *
 * <p>The successor tells its predecessor it is ready once it is running and every hold
 * ({@link #holdHandoverUntil}) has completed: a component whose readiness the start does not wait
 * for (the process manager's children, which become ready after their start) holds the handover
 * until it is ready, so the predecessor stops only once its replacement is complete.
 *
 * <p><b>In the predecessor</b>: a component calls {@link #released(String)} once it has stopped what it
 * holds (the process manager does for each group, in the terminate phase); the launcher passes each
 * name to the successor over the handover socket. Outside an upgrade nobody listens and the call does
 * nothing else.
 *
 * <p>Thread-safe. The futures complete on the thread that learnt the news (the launcher's handover
 * thread, the JDK's process reaper): hop to your own context before touching its state. They never fail.
 */
public final class UpgradeHandover implements Shareable {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.upgrade");
  private static final String MAP = "quiesce.upgrade-handover";
  /** How often the successor looks whether its predecessor still runs. */
  static final long EXIT_POLL_MS = 100;

  private final Promise<Long> predecessorExited = Promise.promise();
  private final Map<String, Promise<Void>> releases = new ConcurrentHashMap<>();
  /** Successor side: what the handover waits for besides the start. */
  private final List<Hold> holds = new CopyOnWriteArrayList<>();

  private record Hold(String what, Future<?> ready) {
  }
  /** Predecessor side: names released so far, and where they go once the launcher listens. */
  private final List<String> releasedHere = new ArrayList<>();
  private Consumer<String> sink;
  private volatile long predecessor = -1;

  private UpgradeHandover() {
  }

  /**
   * The handover of {@code vertx}.
   *
   * @param vertx the Vert.x instance
   * @return the same object for every call with the same instance
   */
  public static UpgradeHandover of(Vertx vertx) {
    LocalMap<String, UpgradeHandover> map = vertx.sharedData().getLocalMap(MAP);
    UpgradeHandover created = new UpgradeHandover();
    UpgradeHandover existing = map.putIfAbsent(MAP, created);
    return existing == null ? created : existing;
  }

  // ---------------------------------------------------------------- the successor's side

  /**
   * The predecessor's pid when this process is an upgrade's successor (also once the predecessor has
   * exited: see {@link #whenPredecessorExited()}); empty in any other process.
   *
   * @return the pid, or empty
   */
  public OptionalLong predecessorPid() {
    long pid = predecessor;
    return pid < 0 ? OptionalLong.empty() : OptionalLong.of(pid);
  }

  /**
   * Completes once the predecessor has said it stopped {@code name} (its {@link #released(String)}).
   * Never completes when the predecessor exits without saying so (killed, say): wait for
   * {@link #whenPredecessorExited()} beside it. Never fails.
   *
   * @param name what was released, e.g. a process group's name
   * @return completes when the predecessor released {@code name}
   */
  public Future<Void> whenReleased(String name) {
    return releases.computeIfAbsent(name, n -> Promise.promise()).future();
  }

  /**
   * Completes with the predecessor's pid once it has exited, cleanly or not; never completes in a
   * process that is not an upgrade's successor. Never fails.
   *
   * @return the predecessor's pid, once it has exited
   */
  public Future<Long> whenPredecessorExited() {
    return predecessorExited.future();
  }

  /**
   * Called by the launcher at the start of an upgrade's successor, before the application starts:
   * this process succeeds {@code pid}, whose exit completes {@link #whenPredecessorExited()} (at once
   * when it is already gone). Once only; a second call is ignored.
   *
   * @param pid the predecessor's pid
   */
  public void awaitPredecessor(long pid) {
    synchronized (this) {
      if (predecessor >= 0) {
        return;
      }
      predecessor = pid;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty() || !handle.get().isAlive()) {
      predecessorExited.tryComplete(pid);
      return;
    }
    // polled at a fixed period: the JDK's onExit() for a process that is not a child backs off to 5 s
    Thread watch = new Thread(() -> {
      try {
        while (handle.get().isAlive()) {
          Thread.sleep(EXIT_POLL_MS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      predecessorExited.tryComplete(pid);
    }, "quiesce-upgrade-predecessor-watch");
    watch.setDaemon(true);
    watch.start();
  }

  /**
   * In the successor: the launcher tells the predecessor this process is ready only once
   * {@code ready} has succeeded too. A hold that fails or never completes keeps the successor from
   * saying ready (the predecessor then ends it at its {@code upgrade.timeout} and serves on); the
   * launcher names {@code what} in its log. Does nothing in a process that is not a successor.
   *
   * @param what names the hold in the log and in {@link #handoverHeldBy()}
   * @param ready must succeed before the successor says it is ready
   */
  public void holdHandoverUntil(String what, Future<?> ready) {
    if (predecessorPid().isPresent()) {
      holds.add(new Hold(what, ready));
    }
  }

  /**
   * What still holds the handover ({@link #holdHandoverUntil}).
   *
   * @return the names of the holds not yet succeeded, sorted
   */
  public List<String> handoverHeldBy() {
    return holds.stream().filter(h -> !h.ready().succeeded()).map(Hold::what).sorted().toList();
  }

  /**
   * Completes once every hold registered so far has succeeded; fails with the first that failed.
   *
   * @return completes at once without holds
   */
  public Future<Void> whenHoldsReleased() {
    return Future.all(holds.stream().<Future<?>>map(Hold::ready).toList()).mapEmpty();
  }

  /**
   * Called by the launcher when the predecessor says it stopped {@code name}.
   *
   * @param name what was released, e.g. a process group's name
   */
  public void predecessorReleased(String name) {
    releases.computeIfAbsent(name, n -> Promise.promise()).tryComplete();
  }

  // ---------------------------------------------------------------- the predecessor's side

  /**
   * Says this process has stopped {@code name} and no longer holds what it held: the successor of an
   * upgrade in progress may start its own. Never fails; does nothing more outside an upgrade.
   *
   * @param name what was released, e.g. a process group's name
   */
  public void released(String name) {
    Consumer<String> to;
    synchronized (this) {
      releasedHere.add(name);
      to = sink;
    }
    if (to != null) {
      tell(to, name);
    }
  }

  /**
   * Called by the launcher once a successor has taken over: every name {@link #released(String)} so
   * far, then each later one, goes to {@code to} (which must not block). Once only.
   *
   * @param to gets each released name
   */
  public void forwardReleases(Consumer<String> to) {
    List<String> earlier;
    synchronized (this) {
      sink = to;
      earlier = List.copyOf(releasedHere);
    }
    earlier.forEach(name -> tell(to, name));
  }

  private static void tell(Consumer<String> to, String name) {
    try {
      to.accept(name);
    } catch (RuntimeException e) {
      LOG.warn("upgrade: could not tell the successor that {} is released: {}", name, e.toString());
    }
  }
}
