package dev.quiesce.lifecycle.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reply-or-abort state of a message handed to a draining consumer, on a real event bus. The
 * race (an abort at the end of the budget while the handler's reply is being sent) is made
 * deterministic with an outbound interceptor, which runs inside the reply's send: it starts the
 * abort there and lets it run until it is blocked or has finished.
 */
@ExtendWith(VertxExtension.class)
class TrackedMessageTest {

  @Test
  void anAbortDuringTheReplysSendLosesSoTheSenderGetsOnlyTheReplyAndTheMessageCountsAsEnded(Vertx vertx)
      throws Exception {
    AtomicInteger ends = new AtomicInteger();
    Request request = send(vertx, "tracked.race", ends);
    TrackedMessage<String> message = request.received();
    AtomicReference<Thread> aborter = new AtomicReference<>();
    AtomicReference<Boolean> aborted = new AtomicReference<>();
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if ("the reply".equals(delivery.message().body()) && aborter.get() == null) {
        Thread abort = new Thread(() -> aborted.set(message.abort(503, "still in progress at the budget")));
        aborter.set(abort);
        abort.start();
        Await.until("the abort is blocked by the reply or has finished", Duration.ofSeconds(5),
            () -> abort.getState() == Thread.State.BLOCKED || abort.getState() == Thread.State.TERMINATED);
      }
      delivery.next();
    });

    message.reply("the reply");
    aborter.get().join(TimeUnit.SECONDS.toMillis(5));

    assertThat(aborted.get()).as("the abort came after the reply won").isFalse();
    assertThat(Await.result(request.answer()).body()).isEqualTo("the reply");
    assertThat(message.state()).isEqualTo(TrackedMessage.State.ENDED);
    assertThat(ends).as("ended once, by its reply").hasValue(1);
  }

  @Test
  void aReplyAfterTheAbortIsDroppedAndTheSenderHasTheFailure(Vertx vertx) throws Exception {
    AtomicInteger ends = new AtomicInteger();
    Request request = send(vertx, "tracked.late", ends);
    TrackedMessage<String> message = request.received();

    assertThat(message.abort(503, "still in progress at the budget")).isTrue();
    message.reply("too late");

    Throwable failure = Await.failure(request.answer());
    assertThat(failure).isInstanceOf(ReplyException.class).hasMessageContaining("still in progress at the budget");
    assertThat(((ReplyException) failure).failureCode()).isEqualTo(503);
    assertThat(message.state()).isEqualTo(TrackedMessage.State.ABORTED);
    assertThat(ends).as("an aborted message does not end").hasValue(0);
  }

  /** A request sent: the message its consumer received, tracked, and the sender's answer. */
  private record Request(TrackedMessage<String> received, Future<Message<Object>> answer) {
  }

  private static Request send(Vertx vertx, String address, AtomicInteger ends) throws Exception {
    CompletableFuture<TrackedMessage<String>> received = new CompletableFuture<>();
    Await.result(vertx.eventBus().<String>consumer(address,
        raw -> received.complete(new TrackedMessage<>(raw, true, m -> ends.incrementAndGet()))).completion());
    Future<Message<Object>> answer = vertx.eventBus().request(address, "a job");
    return new Request(received.get(5, TimeUnit.SECONDS), answer);
  }
}
