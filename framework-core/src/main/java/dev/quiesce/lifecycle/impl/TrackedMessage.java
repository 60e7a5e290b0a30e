package dev.quiesce.lifecycle.impl;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A message handed to a draining consumer's handler: the real message, whose replies it passes
 * on and notes, so that the consumer knows which messages are still in progress. Thread-safe:
 * a handler may reply from any thread.
 */
final class TrackedMessage<T> implements Message<T> {

  private static final int OPEN = 0;
  private static final int ENDED = 1;
  private static final int ABORTED = 2;

  private final Message<T> delegate;
  private final boolean endsOnReply;
  private final Consumer<TrackedMessage<T>> onEnd;
  private final AtomicInteger state = new AtomicInteger(OPEN);
  private volatile boolean answered;

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
    if (mayAnswer()) {
      delegate.reply(message, options);
      answered = true;
      endIfReplyEnds();
    }
  }

  @Override
  public <R> Future<Message<R>> replyAndRequest(Object message, DeliveryOptions options) {
    if (!mayAnswer()) {
      return Future.failedFuture(new IllegalStateException("the message to " + address()
          + " was already failed for its sender at the end of the drain budget"));
    }
    Future<Message<R>> next = delegate.replyAndRequest(message, options);
    answered = true;
    endIfReplyEnds();
    return next;
  }

  /** True when the sender expects a reply. */
  boolean expectsReply() {
    return delegate.replyAddress() != null;
  }

  /** Replies with {@code result} unless the handler already answered. */
  void replyIfUnanswered(Object result) {
    if (!answered && expectsReply()) {
      reply(result, new DeliveryOptions());
    }
  }

  /** Fails the message for its sender unless the handler already answered. */
  void failIfUnanswered(Throwable cause) {
    if (!answered && expectsReply()) {
      if (cause instanceof ReplyException re) {
        fail(re.failureCode(), re.getMessage());
      } else {
        fail(500, ParticipantBinding.reasonOf(cause));
      }
    }
  }

  /** Ends the message's work; only the first call counts, and none after {@link #abort}. */
  void end() {
    if (state.compareAndSet(OPEN, ENDED)) {
      onEnd.accept(this);
    }
  }

  /**
   * Gives up on the message: fails it for its sender (when it expects a reply and has none yet)
   * with {@code code} and {@code reason}; later replies are dropped.
   *
   * @return false when the message had ended already
   */
  boolean abort(int code, String reason) {
    if (!state.compareAndSet(OPEN, ABORTED)) {
      return false;
    }
    if (!answered && expectsReply()) {
      delegate.fail(code, reason);
    }
    return true;
  }

  /** False, and the reply dropped, once the message was aborted (its sender already has a failure). */
  private boolean mayAnswer() {
    if (state.get() == ABORTED) {
      DrainingConsumerImpl.LOG.debug("a reply on {} after the end of its drain budget was dropped", address());
      return false;
    }
    return true;
  }

  private void endIfReplyEnds() {
    if (endsOnReply) {
      end();
    }
  }
}
