package dev.quiesce.cluster.impl;

import dev.quiesce.cluster.FleetAddresses;
import io.vertx.core.AsyncResult;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Counter;
import io.vertx.core.shareddata.Lock;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;
import io.vertx.core.spi.cluster.NodeListener;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster manager the clustered Vert.x runs on: Hazelcast's ({@code delegate}), with two
 * additions for a node that leaves without losing a message.
 *
 * <p><b>Withdrawal.</b> It records this node's cluster-wide registrations (Vert.x calls
 * {@link #addRegistration} and {@link #removeRegistration} for every consumer, after it added or
 * before it removed the local handler). {@link #withdraw()} removes them from the cluster while
 * the local handlers stay: the other nodes stop routing to this node, and what they had already
 * routed here (stragglers) is still handled. From then on, a registration removed by Vert.x (the
 * drain's {@code unregister}) is only local (the cluster side is already gone), and one added is
 * kept off the cluster. Node-local registrations ({@code localConsumer}) and the node's own
 * addresses ({@value dev.quiesce.cluster.FleetAddresses#NODE_PREFIX}{@code <nodeId>} and below) are never withdrawn.
 *
 * <p><b>What this node's selector has seen.</b> Vert.x's node selector (which picks the node a
 * message goes to) learns of registrations through {@link #getRegistrations} and the listener given
 * to {@link #registrationListener}; both pass through here, so {@link #stillRouted(String, List)} can
 * tell whether this node's selector may still route an address to another node. On the way it
 * works around a race of Vert.x 5.0's selector that leaves sends waiting for their timeout (see
 * {@code readsUnderWay}).
 */
public final class LeavingClusterManager implements ClusterManager {

  static final Logger LOG = LoggerFactory.getLogger(LeavingClusterManager.class);

  private final ClusterManager delegate;
  private final Object lock = new Object();
  /** This node's cluster-wide registrations by address, each with whether it is in the cluster; guarded by lock. */
  private final Map<String, Map<RegistrationInfo, Boolean>> own = new HashMap<>();
  /** Set once, by withdraw(); guarded by lock. */
  private Future<Withdrawal> withdrawal;
  /** The node ids this node's selector last learned of, per address. */
  private final Map<String, Set<String>> seen = new ConcurrentHashMap<>();
  /** Bumped at every update event for an address: a registration read started before it is stale. */
  private final Map<String, AtomicLong> updates = new ConcurrentHashMap<>();
  /** This node's additions to the cluster not completed yet; guarded by lock. */
  private final Map<Registration, Future<Void>> addsUnderWay = new HashMap<>();
  private final Promise<Left> left = Promise.promise();
  /**
   * Reads of an address's registrations under way (the selector's, when it first needs the address),
   * and an "no registration left" update event that arrived meanwhile, held until the last read ends;
   * both guarded by lock. Vert.x 5.0's {@code DefaultNodeSelector} drops its entry for an address at
   * such an event even while the entry's first read is under way; when that read then finds no
   * registration either, the entry is no longer its own to remove, so it never answers the sends
   * waiting on it: each waits for its whole send timeout instead of failing with "no handlers" (or
   * going to a local handler). A leaving node meets this right after its withdrawal (its own sends
   * to a withdrawn address). Holding the event until the read has answered keeps the entry in place
   * for it; the event is passed on right after, and then only makes the selector read again.
   */
  private final Map<String, Integer> readsUnderWay = new HashMap<>();
  private final Map<String, RegistrationUpdateEvent> heldEmptyUpdates = new HashMap<>();
  private volatile RegistrationListener selector;
  /** The instance this manager serves (from {@link #init}): its timers bound the withdrawal. */
  private volatile Vertx vertx;
  private volatile Consumer<String> lastGone = address -> { };
  /** What to do once the leave ended, before {@code vertx.close()} goes on; null for nothing. */
  private volatile Consumer<AsyncResult<Left>> afterLeave;

  /** The most the step given to {@link #afterLeave} may hold up {@code vertx.close()}. */
  static final Duration AFTER_LEAVE_BOUND = Duration.ofSeconds(1);

  /**
   * Wraps {@code delegate}.
   *
   * @param delegate the cluster manager that does the work (Hazelcast's)
   */
  public LeavingClusterManager(ClusterManager delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /**
   * The wrapped cluster manager, for what only it offers (Hazelcast's instance).
   *
   * @return the cluster manager given to the constructor
   */
  public ClusterManager delegate() {
    return delegate;
  }

  /**
   * What {@link #withdraw()} did, and when.
   *
   * @param atMs when the last registration was gone from the cluster, epoch ms
   * @param tookMs how long the removal from the cluster took
   * @param addresses the addresses withdrawn, sorted
   * @param failures the addresses whose removal failed, each with the cause
   */
  public record Withdrawal(long atMs, long tookMs, List<String> addresses, Map<String, String> failures) {
  }

  /** One registration of this node: a consumer of {@code address}. */
  private record Registration(String address, RegistrationInfo info) {
  }

  /** The bound of {@link #withdraw()} without one: Hazelcast removes a registration in milliseconds. */
  static final Duration DEFAULT_WITHDRAW_BOUND = Duration.ofSeconds(10);

  /**
   * {@link #withdraw(Duration)} bounded by {@link #DEFAULT_WITHDRAW_BOUND}.
   *
   * @return the withdrawal, once the cluster manager has removed every registration, failed to, or
   *     the bound passed
   */
  public Future<Withdrawal> withdraw() {
    return withdraw(DEFAULT_WITHDRAW_BOUND);
  }

  /**
   * Removes every cluster-wide registration of this node from the cluster (not the node's own
   * addresses), keeping the local handlers. A registration whose addition to the cluster is still
   * under way is removed once that addition completes (so it never lands after its removal). Later
   * calls answer the first withdrawal.
   *
   * @param bound the most the withdrawal waits for the cluster manager; a removal not done by then
   *     is listed in {@link Withdrawal#failures()} (it goes on in the background)
   * @return the withdrawal, once every removal completed or failed, or the bound passed; never failed
   */
  public Future<Withdrawal> withdraw(Duration bound) {
    long start = System.currentTimeMillis();
    Map<String, List<Map.Entry<RegistrationInfo, Future<Void>>>> toRemove = new LinkedHashMap<>();
    Promise<Withdrawal> done = Promise.promise();
    synchronized (lock) {
      if (withdrawal != null) {
        return withdrawal;
      }
      withdrawal = done.future();
      own.forEach((address, registrations) -> {
        if (!isNodeOwn(address)) {
          registrations.entrySet().stream().filter(Map.Entry::getValue).forEach(e -> {
            Future<Void> adding = addsUnderWay.getOrDefault(new Registration(address, e.getKey()),
                Future.succeededFuture());
            toRemove.computeIfAbsent(address, a -> new ArrayList<>()).add(Map.entry(e.getKey(), adding));
            e.setValue(false);
          });
        }
      });
    }
    Map<String, String> failures = new ConcurrentHashMap<>();
    Set<String> removed = ConcurrentHashMap.newKeySet();
    List<Future<Void>> removals = new ArrayList<>();
    toRemove.forEach((address, registrations) -> registrations.forEach(r -> {
      // after an addition still under way: a removal before it would leave the registration in the cluster
      Future<Void> removal = r.getValue().otherwiseEmpty().compose(v -> {
        Promise<Void> gone = Promise.promise();
        delegate.removeRegistration(address, r.getKey(), gone);
        return gone.future();
      });
      removals.add(removal.onSuccess(v -> removed.add(address))
          .onFailure(e -> failures.put(address, String.valueOf(e.getMessage()))).otherwiseEmpty());
    }));
    Runnable finish = () -> {
      long end = System.currentTimeMillis();
      Map<String, String> outcome = new TreeMap<>(failures);
      toRemove.keySet().stream().filter(a -> !removed.contains(a) && !outcome.containsKey(a)).forEach(a ->
          outcome.put(a, "not removed within " + bound.toMillis() + " ms (still under way)"));
      done.tryComplete(new Withdrawal(end, end - start, List.copyOf(new TreeSet<>(toRemove.keySet())),
          Map.copyOf(outcome)));
    };
    Future.join(removals).onComplete(v -> finish.run());
    Vertx on = vertx;
    if (!done.future().isComplete() && on != null) {
      long timer = on.setTimer(Math.max(1, bound.toMillis()), t -> finish.run());
      done.future().onComplete(v -> on.cancelTimer(timer));
    }
    return done.future();
  }

  /**
   * Whether {@link #withdraw()} was called.
   *
   * @return true from the withdrawal on
   */
  public boolean withdrawn() {
    synchronized (lock) {
      return withdrawal != null;
    }
  }

  /**
   * The addresses of {@code addresses} that this node's selector may still route to {@code nodeId}:
   * those it keeps a route for whose last known registrations name that node. An address it keeps
   * no route for is not listed: its next message reads the registrations from the cluster.
   *
   * @param nodeId the node that withdrew
   * @param addresses the addresses it withdrew
   * @return the addresses still routed to it, in the order given
   */
  public List<String> stillRouted(String nodeId, List<String> addresses) {
    RegistrationListener listener = selector;
    List<String> routed = new ArrayList<>();
    for (String address : addresses) {
      if (listener != null && listener.wantsUpdatesFor(address)) {
        Set<String> nodes = seen.get(address);
        if (nodes == null || nodes.contains(nodeId)) {
          routed.add(address);
        }
      }
    }
    return routed;
  }

  /**
   * This node's leave of the cluster.
   *
   * @param atMs when the leave ended, epoch ms
   * @param tookMs how long it took (Hazelcast's graceful shutdown, bounded by
   *     {@link HazelcastSetup#GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS}, most of it)
   */
  public record Left(long atMs, long tookMs) {
  }

  /**
   * When this node left the cluster: completes after {@link #leave} succeeded.
   *
   * @return when the leave ended and how long it took; fails with the leave's cause
   */
  public Future<Left> left() {
    return left.future();
  }

  /**
   * Calls {@code handler} with an address when, after the withdrawal, the last local handler of it
   * was removed: from then on a message that arrives for it has no handler.
   *
   * @param handler called on the thread that removed the handler, outside any lock
   */
  public void onLastHandlerGone(Consumer<String> handler) {
    lastGone = Objects.requireNonNull(handler, "handler");
  }

  private boolean isNodeOwn(String address) {
    String nodeId = delegate.getNodeId();
    return nodeId != null && address.startsWith(FleetAddresses.node(nodeId));
  }

  @Override
  public void addRegistration(String address, RegistrationInfo registrationInfo, Completable<Void> promise) {
    if (registrationInfo.localOnly()) {
      delegate.addRegistration(address, registrationInfo, promise);
      return;
    }
    Registration registration = new Registration(address, registrationInfo);
    Promise<Void> added = Promise.promise();
    synchronized (lock) {
      boolean inCluster = withdrawal == null || isNodeOwn(address);
      own.computeIfAbsent(address, a -> new LinkedHashMap<>()).put(registrationInfo, inCluster);
      if (!inCluster) {
        LOG.debug("{} registered after the withdrawal: kept off the cluster", address);
        promise.succeed();
        return;
      }
      // a withdrawal that begins before the addition completes removes it after the addition
      addsUnderWay.put(registration, added.future());
    }
    delegate.addRegistration(address, registrationInfo, (v, failure) -> {
      synchronized (lock) {
        addsUnderWay.remove(registration);
      }
      added.complete(v, failure);
      promise.complete(v, failure);
    });
  }

  @Override
  public void removeRegistration(String address, RegistrationInfo registrationInfo, Completable<Void> promise) {
    if (!registrationInfo.localOnly()) {
      boolean held;
      boolean gone;
      synchronized (lock) {
        Map<RegistrationInfo, Boolean> registrations = own.get(address);
        Boolean inCluster = registrations == null ? null : registrations.remove(registrationInfo);
        if (registrations != null && registrations.isEmpty()) {
          own.remove(address);
        }
        held = Boolean.FALSE.equals(inCluster);
        gone = held && registrations.isEmpty();
      }
      if (held) {
        // its cluster side went at the withdrawal (or never existed): only the local handler goes now
        promise.succeed();
        if (gone) {
          lastGone.accept(address);
        }
        return;
      }
    }
    delegate.removeRegistration(address, registrationInfo, promise);
  }

  @Override
  public void registrationListener(RegistrationListener registrationListener) {
    selector = registrationListener;
    delegate.registrationListener(new RegistrationListener() {
      @Override
      public void registrationsUpdated(RegistrationUpdateEvent event) {
        if (event.registrations() == null || event.registrations().isEmpty()) {
          synchronized (lock) {
            if (readsUnderWay.containsKey(event.address())) {
              // held until the read ends: see readsUnderWay
              heldEmptyUpdates.put(event.address(), event);
              return;
            }
          }
        }
        deliver(event);
      }

      @Override
      public void registrationsLost() {
        registrationListener.registrationsLost();
        seen.clear();
      }

      @Override
      public boolean wantsUpdatesFor(String address) {
        return registrationListener.wantsUpdatesFor(address);
      }
    });
  }

  /** Passes an update event on to the selector, and notes what it says. */
  private void deliver(RegistrationUpdateEvent event) {
    RegistrationListener listener = selector;
    updates.computeIfAbsent(event.address(), a -> new AtomicLong()).incrementAndGet();
    listener.registrationsUpdated(event);
    seen.put(event.address(), nodeIds(event.registrations()));
  }

  @Override
  public void getRegistrations(String address, Completable<List<RegistrationInfo>> promise) {
    long before = updates.computeIfAbsent(address, a -> new AtomicLong()).get();
    synchronized (lock) {
      readsUnderWay.merge(address, 1, Integer::sum);
    }
    delegate.getRegistrations(address, (registrations, failure) -> {
      promise.complete(registrations, failure);
      // a read that an update event overtook is stale: the selector applied the event after it
      if (failure == null && updates.get(address).get() == before) {
        seen.put(address, nodeIds(registrations));
      }
      RegistrationUpdateEvent held;
      synchronized (lock) {
        held = null;
        // the count is removed with its last read, so an address present has a read under way
        if (readsUnderWay.merge(address, -1, (n, minus) -> n + minus == 0 ? null : n + minus) == null) {
          held = heldEmptyUpdates.remove(address);
        }
      }
      if (held != null) {
        deliver(held);
      }
    });
  }

  private static Set<String> nodeIds(List<RegistrationInfo> registrations) {
    Set<String> ids = new TreeSet<>();
    if (registrations != null) {
      registrations.forEach(r -> ids.add(r.nodeId()));
    }
    return ids;
  }

  /**
   * Something to do once this node's leave ended (succeeded or failed), before {@code vertx.close()}
   * goes on: the stop report's {@code cluster} part gets the leave's time this way. The step runs on a
   * daemon thread of its own; the close waits for it at most {@link #AFTER_LEAVE_BOUND}, then goes on
   * and logs that it did (a step still running keeps only its thread). A step that throws is logged,
   * whenever it throws; a step that cannot get a thread is logged and skipped. Nothing here can keep
   * the close from going on. One step: a second call replaces the first.
   *
   * @param step what to do, given the leave's outcome (as {@link #left()} gives it)
   */
  void afterLeave(Consumer<AsyncResult<Left>> step) {
    afterLeave = step;
  }

  @Override
  public void leave(Completable<Void> promise) {
    long start = System.currentTimeMillis();
    delegate.leave((v, failure) -> {
      if (failure == null) {
        long end = System.currentTimeMillis();
        left.tryComplete(new Left(end, end - start));
      } else {
        left.tryFail(failure);
      }
      runAfterLeave(left.future()).whenComplete((done, late) -> promise.complete(v, failure));
    });
  }

  private CompletableFuture<Void> runAfterLeave(Future<Left> outcome) {
    Consumer<AsyncResult<Left>> step = afterLeave;
    if (step == null) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      Thread thread = new Thread(() -> {
        try {
          step.accept(outcome);
        } catch (RuntimeException | Error e) {
          LOG.warn("the step after the leave failed: {}", e.toString());
        } finally {
          done.complete(null);
        }
      }, "quiesce-after-leave");
      thread.setDaemon(true);
      thread.start();
    } catch (RuntimeException | Error e) {
      // no thread to run it on (out of native threads): the close must go on all the same
      LOG.warn("the step after the leave could not start: {}", e.toString());
      done.complete(null);
    }
    return done.orTimeout(AFTER_LEAVE_BOUND.toMillis(), TimeUnit.MILLISECONDS).exceptionally(e -> {
      LOG.warn("the step after the leave did not end within {} ms: Vert.x's close goes on without it",
          AFTER_LEAVE_BOUND.toMillis());
      return null;
    });
  }

  @Override
  public void init(Vertx vertx) {
    this.vertx = vertx;
    delegate.init(vertx);
  }

  @Override
  public <K, V> void getAsyncMap(String name, Completable<AsyncMap<K, V>> promise) {
    delegate.getAsyncMap(name, promise);
  }

  @Override
  public <K, V> Map<K, V> getSyncMap(String name) {
    return delegate.getSyncMap(name);
  }

  @Override
  public void getLockWithTimeout(String name, long timeout, Completable<Lock> promise) {
    delegate.getLockWithTimeout(name, timeout, promise);
  }

  @Override
  public void getCounter(String name, Completable<Counter> promise) {
    delegate.getCounter(name, promise);
  }

  @Override
  public String getNodeId() {
    return delegate.getNodeId();
  }

  @Override
  public List<String> getNodes() {
    return delegate.getNodes();
  }

  @Override
  public void nodeListener(NodeListener listener) {
    delegate.nodeListener(listener);
  }

  @Override
  public void setNodeInfo(NodeInfo nodeInfo, Completable<Void> promise) {
    delegate.setNodeInfo(nodeInfo, promise);
  }

  @Override
  public NodeInfo getNodeInfo() {
    return delegate.getNodeInfo();
  }

  @Override
  public void getNodeInfo(String nodeId, Completable<NodeInfo> promise) {
    delegate.getNodeInfo(nodeId, promise);
  }

  @Override
  public void join(Completable<Void> promise) {
    delegate.join(promise);
  }

  @Override
  public boolean isActive() {
    return delegate.isActive();
  }

  @Override
  public String clusterHost() {
    return delegate.clusterHost();
  }

  @Override
  public String clusterPublicHost() {
    return delegate.clusterPublicHost();
  }
}
