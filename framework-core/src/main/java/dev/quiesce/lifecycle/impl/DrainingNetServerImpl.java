package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.AckMargin;
import dev.quiesce.lifecycle.DrainingNetServer;
import dev.quiesce.lifecycle.DrainingNetServerOptions;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.Participants.Registration;
import dev.quiesce.lifecycle.PhaseContext;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DrainingNetServer}: the Vert.x server, its open connections, and the participant that
 * drains them in its phase. Vert.x's {@link NetServer#shutdown(long, TimeUnit)} stops accepting and
 * calls each connection's {@code shutdownHandler}; the budget is kept here, so that every connection
 * is counted once, as finished (closed before the budget ended) or closed at the budget. The set of
 * open connections is thread-safe; the drain's counters are guarded by this object.
 */
public final class DrainingNetServerImpl implements DrainingNetServer, Participant {

  private static final Logger LOG = LoggerFactory.getLogger(DrainingNetServerImpl.class);

  /**
   * How much later than the drain's own budget Vert.x's shutdown closes what is left: only a
   * backstop, since the drain closes the connections left at its budget itself (were both at the same
   * moment, a connection Vert.x closed could be counted as finished).
   */
  private static final long VERTX_SHUTDOWN_BACKSTOP_MS = 1000;

  private final Vertx vertx;
  private final NetServer server;
  private final Handler<NetSocket> connectHandler;
  private final DrainingNetServerOptions options;
  private final Set<TrackedNetSocket> open = ConcurrentHashMap.newKeySet();
  private volatile String name;
  private volatile int port;
  private volatile Future<Registration> registration;
  /** True from the drain's start; guarded by this object. */
  private boolean draining;
  /** True once the drain's detail was written; guarded by this object. */
  private boolean reported;
  /** Connections closed since the drain began, until its detail was written; guarded by this object. */
  private int finishedInDrain;
  private Promise<Void> idle;
  private Future<JsonObject> drained;

  public DrainingNetServerImpl(Vertx vertx, NetServerOptions serverOptions, Handler<NetSocket> connectHandler,
      DrainingNetServerOptions options) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.connectHandler = Objects.requireNonNull(connectHandler, "connectHandler");
    this.options = Objects.requireNonNull(options, "options");
    this.name = options.getName();
    this.server = vertx.createNetServer(Objects.requireNonNull(serverOptions, "serverOptions"))
        .connectHandler(this::onConnect);
  }

  private void onConnect(NetSocket raw) {
    TrackedNetSocket socket = new TrackedNetSocket(raw, this::closed);
    synchronized (this) {
      // checked and added under the lock the report takes, so that a connection is either in the
      // report (finished or closed at the budget) or never served
      if (reported) {
        // accepted in the moment the listener closed, after the drain's report: closed unserved
        LOG.debug("{}: a connection from {} accepted after the drain ended, closed unserved", name,
            raw.remoteAddress());
        raw.close();
        return;
      }
      open.add(socket);
    }
    try {
      connectHandler.handle(socket);
    } catch (RuntimeException e) {
      LOG.warn("the connect handler of {} failed on a connection from {}", name, raw.remoteAddress(), e);
      raw.close();
    }
  }

  private void closed(TrackedNetSocket socket) {
    Promise<Void> wake = null;
    synchronized (this) {
      if (!open.remove(socket)) {
        return;
      }
      if (draining && !reported) {
        finishedInDrain++;
        if (open.isEmpty()) {
          wake = idle;
        }
      }
    }
    if (wake != null) {
      wake.tryComplete();
    }
  }

  @Override
  public Future<DrainingNetServer> listen() {
    return server.listen()
        .compose(listening -> {
          port = listening.actualPort();
          if (name == null) {
            name = DefaultNames.next(vertx, "tcp:" + port);
          }
          registration = Participants.register(vertx, this);
          return registration;
        })
        .<DrainingNetServer>map(this)
        .recover(err -> server.close().otherwiseEmpty().transform(closed -> Future.failedFuture(err)));
  }

  @Override
  public int actualPort() {
    return port;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String phase() {
    return options.getPhase();
  }

  @Override
  public Set<String> phases() {
    return Set.of(options.getPhase());
  }

  @Override
  public Set<String> after() {
    return options.getAfter();
  }

  @Override
  public int connections() {
    return open.size();
  }

  @Override
  public Future<JsonObject> onPhase(PhaseContext context) {
    long remaining = context.forced() ? 0 : context.remaining().toMillis();
    return drain(Duration.ofMillis(AckMargin.usable(remaining)));
  }

  @Override
  public Future<JsonObject> drain(Duration budget) {
    long start = System.currentTimeMillis();
    long budgetMs = Math.max(0, budget.toMillis());
    Promise<Void> waiting = Promise.promise();
    synchronized (this) {
      if (drained != null) {
        return drained;
      }
      draining = true;
      idle = waiting;
      drained = waiting.future().map(v -> closeRemainingAndReport(System.currentTimeMillis() - start));
    }
    // stops accepting at once and calls every connection's shutdownHandler
    server.shutdown(budgetMs + VERTX_SHUTDOWN_BACKSTOP_MS, TimeUnit.MILLISECONDS)
        .onFailure(e -> LOG.warn("the TCP server {} did not shut down: {}", name, e.getMessage()));
    if (open.isEmpty() || budgetMs == 0) {
      waiting.tryComplete();
    } else {
      long timer = vertx.setTimer(budgetMs, id -> waiting.tryComplete());
      waiting.future().onComplete(v -> vertx.cancelTimer(timer));
    }
    return drained;
  }

  /**
   * Closes the connections still open and writes the detail, under the same lock as
   * {@link #closed}, so that each connection the drain waited for is counted once.
   */
  private JsonObject closeRemainingAndReport(long waitedMs) {
    List<TrackedNetSocket> left;
    int finished;
    synchronized (this) {
      left = List.copyOf(open);
      open.clear();
      reported = true;
      finished = finishedInDrain;
    }
    left.forEach(TrackedNetSocket::close);
    JsonObject detail = new JsonObject().put("port", port).put("connections", finished + left.size())
        .put("finished", finished).put("closedAtBudget", left.size()).put("waitedMs", waitedMs);
    if (!left.isEmpty()) {
      detail.put("forced", true).put("forcedReason", left.size() + " TCP connection(s) of " + name
          + " still open at the end of the drain budget were closed");
    }
    LOG.info("TCP server {} drained: {}", name, detail.encode());
    return detail;
  }

  @Override
  public Future<Void> close() {
    Future<Registration> registered = registration;
    Future<Void> left = registered == null ? Future.succeededFuture()
        : registered.transform(ar -> ar.succeeded() ? ar.result().unregister() : Future.<Void>succeededFuture());
    return Future.all(server.close().otherwiseEmpty(), left).mapEmpty();
  }
}
