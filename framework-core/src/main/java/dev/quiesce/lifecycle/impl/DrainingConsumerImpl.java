package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.AckMargin;
import dev.quiesce.lifecycle.DrainingConsumer;
import dev.quiesce.lifecycle.DrainingConsumerOptions;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.Participants.Registration;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.PhaseContext;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DrainingConsumer}: the Vert.x consumer, the messages in progress, and the participant
 * that drains them in its phase. The set of messages in progress and the counters are
 * thread-safe; the drain itself runs once.
 */
public final class DrainingConsumerImpl<T> implements DrainingConsumer<T>, Participant {

  static final Logger LOG = LoggerFactory.getLogger(DrainingConsumerImpl.class);

  /** The most kept back from a phase's budget to acknowledge before its deadline. */

  private final Vertx vertx;
  private final String address;
  private final String name;
  private final String phase;
  private final Set<String> after;
  private final boolean endsOnReply;
  private final Function<TrackedMessage<T>, Future<?>> work;
  private final Set<TrackedMessage<T>> inProgress = ConcurrentHashMap.newKeySet();
  /** Messages ended since the drain began, until its detail was written; guarded by this object. */
  private int completedInDrain;
  /** True once the drain's detail was written; guarded by this object. */
  private boolean reported;
  private final MessageConsumer<T> consumer;
  private final Future<Registration> registration;
  private volatile Promise<Void> idle;
  private Future<JsonObject> drained;
  private volatile Future<String> helper = Future.succeededFuture();

  private DrainingConsumerImpl(Vertx vertx, String address, DrainingConsumerOptions options, boolean endsOnReply,
      Function<TrackedMessage<T>, Future<?>> work) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.address = Objects.requireNonNull(address, "address");
    this.phase = options.getPhase();
    this.after = options.getAfter();
    this.name = options.getName() != null ? options.getName() : DefaultNames.next(vertx, "eventbus:" + address);
    this.endsOnReply = endsOnReply;
    this.work = work;
    this.consumer = options.isLocalOnly() ? vertx.eventBus().localConsumer(address, this::onMessage)
        : vertx.eventBus().consumer(address, this::onMessage);
    this.registration = vertx.getOrCreateContext().threadingModel() == ThreadingModel.EVENT_LOOP
        ? Participants.register(vertx, this) : registerOnAnEventLoop();
  }

  /**
   * From a worker (or virtual-thread) context, whose tasks run one after another: the phase would
   * be heard only after the messages already queued there, which can take longer than the budget.
   * So the participant listens on an event loop of its own, a small verticle deployed for it (a
   * child of the caller's deployment, undeployed with it); the drain's steps are thread-safe.
   */
  private Future<Registration> registerOnAnEventLoop() {
    DrainingConsumerImpl<T> self = this;
    Promise<Registration> registered = Promise.promise();
    helper = vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        return Participants.register(vertx, self).onComplete(registered);
      }
    }, new DeploymentOptions().setThreadingModel(ThreadingModel.EVENT_LOOP))
        .onFailure(registered::tryFail);
    return registered.future();
  }

  /** A consumer whose handler replies itself (see {@code QuiesceEventBus.consumer}). */
  public static <T> DrainingConsumer<T> replyingItself(Vertx vertx, String address, Handler<Message<T>> handler,
      DrainingConsumerOptions options) {
    Objects.requireNonNull(handler, "handler");
    return new DrainingConsumerImpl<T>(vertx, address, options, true, message -> {
      handler.handle(message);
      if (!message.expectsReply()) {
        message.end();
      }
      return null;
    });
  }

  /** A consumer whose handler returns a future (see {@code QuiesceEventBus.asyncConsumer}). */
  public static <T> DrainingConsumer<T> replyingWithFuture(Vertx vertx, String address,
      Function<Message<T>, Future<?>> handler, DrainingConsumerOptions options) {
    Objects.requireNonNull(handler, "handler");
    return new DrainingConsumerImpl<T>(vertx, address, options, false, message -> {
      Future<?> future = handler.apply(message);
      if (future == null) {
        throw new IllegalStateException("the handler of " + address + " returned null instead of a Future");
      }
      future.onComplete(ar -> {
        try {
          if (ar.succeeded()) {
            message.replyIfUnanswered(ar.result());
          } else {
            message.failIfUnanswered(ar.cause());
          }
        } catch (RuntimeException e) {
          // e.g. a result of a type without a message codec
          LOG.warn("the reply of the consumer of {} could not be sent", address, e);
          message.failIfUnanswered(e);
        } finally {
          message.end();
        }
      });
      return future;
    });
  }

  private void onMessage(Message<T> raw) {
    TrackedMessage<T> message = new TrackedMessage<>(raw, endsOnReply, this::ended);
    inProgress.add(message);
    try {
      work.apply(message);
    } catch (Throwable t) {
      LOG.warn("the consumer of {} failed on a message", address, t);
      message.failIfUnanswered(t);
      message.end();
    }
  }

  private void ended(TrackedMessage<T> message) {
    Promise<Void> wake = null;
    synchronized (this) {
      inProgress.remove(message);
      if (idle != null && !reported) {
        completedInDrain++;
        if (inProgress.isEmpty()) {
          wake = idle;
        }
      }
    }
    if (wake != null) {
      wake.tryComplete();
    }
  }

  @Override
  public String address() {
    return address;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String phase() {
    return phase;
  }

  @Override
  public Set<String> phases() {
    return Set.of(phase);
  }

  @Override
  public Set<String> after() {
    return after;
  }

  @Override
  public MessageConsumer<T> messageConsumer() {
    return consumer;
  }

  @Override
  public Future<Void> completion() {
    return Future.all(consumer.completion(), registration).mapEmpty();
  }

  @Override
  public int inProgress() {
    return inProgress.size();
  }

  @Override
  public Future<JsonObject> onPhase(PhaseContext context) {
    long remaining = context.forced() ? 0 : context.remaining().toMillis();
    return drain(Duration.ofMillis(AckMargin.usable(remaining)));
  }

  @Override
  public synchronized Future<JsonObject> drain(Duration budget) {
    if (drained != null) {
      return drained;
    }
    long start = System.currentTimeMillis();
    long deadline = start + Math.max(0, budget.toMillis());
    Promise<Void> waiting = Promise.promise();
    idle = waiting;
    drained = consumer.unregister().timeout(Math.max(1, deadline - start), TimeUnit.MILLISECONDS)
        .transform(unregistered -> {
          if (unregistered.failed()) {
            LOG.warn("the consumer of {} did not unregister: {}", address, unregistered.cause().getMessage());
          }
          long left = deadline - System.currentTimeMillis();
          if (inProgress.isEmpty() || left <= 0) {
            waiting.tryComplete();
            return waiting.future();
          }
          long timer = vertx.setTimer(left, id -> waiting.tryComplete());
          return waiting.future().onComplete(v -> vertx.cancelTimer(timer));
        })
        .map(v -> abortRemainingAndReport(System.currentTimeMillis() - start));
    return drained;
  }

  /**
   * Aborts the messages still open and writes the detail, under the same lock as {@link #ended},
   * so that every message the drain waited for is counted once, as completed or as aborted: a
   * message that won its end against the abort but whose end is not counted yet (it waits for
   * this lock) is counted completed here and not again later.
   */
  private synchronized JsonObject abortRemainingAndReport(long waitedMs) {
    int aborted = 0;
    int endingNow = 0;
    for (TrackedMessage<T> message : List.copyOf(inProgress)) {
      if (message.abort(ABORTED_FAILURE_CODE, "the consumer of " + address
          + " stopped before it answered: still in progress at the end of its drain budget")) {
        inProgress.remove(message);
        aborted++;
      } else {
        endingNow++;
      }
    }
    reported = true;
    int completed = completedInDrain + endingNow;
    JsonObject detail = new JsonObject().put("address", address).put("inProgress", completed + aborted)
        .put("completed", completed).put("aborted", aborted).put("waitedMs", waitedMs);
    if (aborted > 0) {
      detail.put("forced", true).put("forcedReason", aborted + " message(s) to " + address
          + " still in progress at the end of the drain budget were failed for their senders (code "
          + ABORTED_FAILURE_CODE + ")");
    }
    LOG.info("event-bus consumer {} drained: {}", name, detail.encode());
    return detail;
  }

  @Override
  public Future<Void> unregister() {
    Future<Void> left = registration.transform(ar -> ar.succeeded() ? ar.result().unregister()
        : Future.<Void>succeededFuture());
    Future<Void> undeployed = left.transform(ar -> helper.transform(h -> h.succeeded()
        ? vertx.undeploy(h.result()).otherwiseEmpty() : Future.<Void>succeededFuture()));
    return Future.all(consumer.unregister().otherwiseEmpty(), undeployed).mapEmpty();
  }
}
