package dev.quiesce.lifecycle.impl;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A message handed to a draining consumer's handler: the real message, whose replies it passes
 * on and notes, so that the consumer knows which messages are still in progress. Thread-safe:
 * a handler may reply from any thread.
 *
 * <p>One state machine, guarded by this object, decides between the handler's answer and the
 * drain's abort: the work is {@link State#OPEN} until it {@link State#ENDED ends} or is
 * {@link State#ABORTED aborted}, and whether the sender was answered is noted with it. A reply is
 * passed on only while holding the lock and only when the message was not aborted; an abort
 * happens only while the work is open and fails the sender only when it was not answered. So a
 * sender gets either the handler's reply or the abort's failure, never both; and a message whose
 * reply ends its work ends with that reply, atomically, so it cannot be counted aborted once its
 * sender has the reply. Replies are event-bus sends, which do not block, so the lock is short.
 */
final class TrackedMessage<T> implements Message<T> {

  /** Where the message's work is. */
  enum State {
    /** The handler has it: no end yet, no abort. */
    OPEN,
    /** The work ended (its reply sent, or its future completed): counted completed. */
    ENDED,
    /** The drain gave up on it at the end of its budget: counted aborted, later replies dropped. */
    ABORTED
  }

  private final Message<T> delegate;
  private final boolean endsOnReply;
  private final Consumer<TrackedMessage<T>> onEnd;
  private State state = State.OPEN;
  private boolean answered;

  /**
   * @param endsOnReply true when a reply ends the message's work (the handler replies itself);
   *     false when the work ends with a future (which {@link #end()} is called for)
   * @param onEnd called once, when the message ends (not when it is aborted)
   */
  TrackedMessage(Message<T> delegate, boolean endsOnReply, Consumer<TrackedMessage<T>> onEnd) {
    this.delegate = delegate;
    this.endsOnReply = endsOnReply;
    this.onEnd = onEnd;
  }

  @Override
  public String address() {
    return delegate.address();
  }

  @Override
  public MultiMap headers() {
    return delegate.headers();
  }

  @Override
  public T body() {
    return delegate.body();
  }

  @Override
  public String replyAddress() {
    return delegate.replyAddress();
  }

  @Override
  public boolean isSend() {
    return delegate.isSend();
  }

  /** Passes the reply on, unless the message was aborted (its sender already has a failure). */
  @Override
  public void reply(Object message, DeliveryOptions options) {
    answer(() -> {
      delegate.reply(message, options);
      return null;
    }, null);
  }

  @Override
  public <R> Future<Message<R>> replyAndRequest(Object message, DeliveryOptions options) {
    return answer(() -> delegate.<R>replyAndRequest(message, options),
        Future.failedFuture(new IllegalStateException("the message to " + address()
            + " was already failed for its sender at the end of the drain budget")));
  }

  /** True when the sender expects a reply. */
  boolean expectsReply() {
    return delegate.replyAddress() != null;
  }

  /** Where the message's work is now. */
  synchronized State state() {
    return state;
  }

  /** Replies with {@code result} unless the handler already answered. */
  void replyIfUnanswered(Object result) {
    if (!answered() && expectsReply()) {
      reply(result, new DeliveryOptions());
    }
  }

  /** Fails the message for its sender unless the handler already answered. */
  void failIfUnanswered(Throwable cause) {
    if (!answered() && expectsReply()) {
      if (cause instanceof ReplyException re) {
        fail(re.failureCode(), re.getMessage());
      } else {
        fail(500, ParticipantBinding.reasonOf(cause));
      }
    }
  }

  /** Ends the message's work; only the first call counts, and none after {@link #abort}. */
  void end() {
    synchronized (this) {
      if (state != State.OPEN) {
        return;
      }
      state = State.ENDED;
    }
    onEnd.accept(this);
  }

  /**
   * Gives up on the message: fails it for its sender (when it expects a reply and has none yet)
   * with {@code code} and {@code reason}; later replies are dropped.
   *
   * @return false when the message had ended already (its reply, if it ends the work, included)
   */
  synchronized boolean abort(int code, String reason) {
    if (state != State.OPEN) {
      return false;
    }
    state = State.ABORTED;
    if (!answered && expectsReply()) {
      delegate.fail(code, reason);
    }
    return true;
  }

  private synchronized boolean answered() {
    return answered;
  }

  /**
   * Sends an answer with {@code send} unless the message was aborted ({@code whenAborted} then).
   * A send that throws (e.g. a body without a codec) changes nothing: the message stays
   * unanswered, so its failure can still be sent.
   */
  private <R> R answer(Supplier<R> send, R whenAborted) {
    R sent;
    boolean ended = false;
    synchronized (this) {
      if (state == State.ABORTED) {
        DrainingConsumerImpl.LOG.debug("a reply on {} after the end of its drain budget was dropped", address());
        return whenAborted;
      }
      sent = send.get();
      answered = true;
      if (endsOnReply && state == State.OPEN) {
        state = State.ENDED;
        ended = true;
      }
    }
    if (ended) {
      onEnd.accept(this);
    }
    return sent;
  }
}
