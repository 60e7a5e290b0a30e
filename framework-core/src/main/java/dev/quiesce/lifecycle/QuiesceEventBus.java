package dev.quiesce.lifecycle;

import dev.quiesce.lifecycle.impl.DrainingConsumerImpl;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import java.util.function.Function;

/**
 * Event-bus consumers that drain at a stop, in one line each (see {@link DrainingConsumer} for
 * what the drain does and reports):
 *
 * <pre>{@code
 * // in progress until the handler replies (or fails the message)
 * QuiesceEventBus.consumer(vertx, "prices", msg -> msg.reply(price(msg.body())));
 *
 * // in progress until the returned future completes; its result is the reply
 * QuiesceEventBus.asyncConsumer(vertx, "jobs", msg -> runJob(msg.body()));
 * }</pre>
 *
 * <p>Call them where you would call {@code vertx.eventBus().consumer(…)}, usually in a verticle's
 * {@code start}, and wait for {@link DrainingConsumer#completion()} there. The phase is heard on
 * the caller's context when it is an event loop; from a worker context, on an event loop of a
 * small child deployment, so that messages queued on the worker do not delay the drain.
 *
 * <p><b>A consumer given up before a stop must be {@linkplain DrainingConsumer#unregister()
 * unregistered}</b>, e.g. in the {@code stop()} of the verticle that made it: undeploying that
 * verticle does not take the consumer's participant off the coordinator (public Vert.x API has
 * no close hook on a context), so the next stop would wait for it for its phase's whole budget
 * and report it {@code timed-out}.
 *
 * <pre>{@code
 * public Future<?> stop() {
 *   return jobs.unregister();
 * }
 * }</pre>
 */
public final class QuiesceEventBus {

  private QuiesceEventBus() {
  }

  /**
   * A draining consumer whose handler replies itself. A message that expects a reply is in
   * progress until the handler calls {@code reply}, {@code replyAndRequest} or {@code fail} on it
   * (from any thread, at any later time); one sent without a reply handler, or published, until
   * the handler returns. A handler that throws fails its message at once (code 500, the
   * exception's message), instead of leaving its sender to wait for its timeout.
   *
   * @param <T> the type of the messages' bodies
   * @param vertx the Vert.x instance whose event bus it consumes
   * @param address the address consumed
   * @param handler handles each message and replies to it
   * @return the consumer, registering: see {@link DrainingConsumer#completion()}
   */
  public static <T> DrainingConsumer<T> consumer(Vertx vertx, String address, Handler<Message<T>> handler) {
    return consumer(vertx, address, handler, new DrainingConsumerOptions());
  }

  /**
   * {@link #consumer(Vertx, String, Handler)} with a name, phase or local-only option.
   *
   * @param <T> the type of the messages' bodies
   * @param vertx the Vert.x instance whose event bus it consumes
   * @param address the address consumed
   * @param handler handles each message and replies to it
   * @param options its name, phase and whether it is local only
   * @return the consumer, registering: see {@link DrainingConsumer#completion()}
   */
  public static <T> DrainingConsumer<T> consumer(Vertx vertx, String address, Handler<Message<T>> handler,
      DrainingConsumerOptions options) {
    return DrainingConsumerImpl.replyingItself(vertx, address, handler, options);
  }

  /**
   * A draining consumer whose handler returns a future: the message is in progress until that
   * future completes. Unless the handler replied itself, the future's result is the reply (null
   * included) and its failure fails the message (code and message of a {@code ReplyException},
   * else 500 and the exception's message). A handler that throws or returns null fails its
   * message at once.
   *
   * @param <T> the type of the messages' bodies
   * @param vertx the Vert.x instance whose event bus it consumes
   * @param address the address consumed
   * @param handler handles each message; its future's result is the reply
   * @return the consumer, registering: see {@link DrainingConsumer#completion()}
   */
  public static <T> DrainingConsumer<T> asyncConsumer(Vertx vertx, String address,
      Function<Message<T>, Future<?>> handler) {
    return asyncConsumer(vertx, address, handler, new DrainingConsumerOptions());
  }

  /**
   * {@link #asyncConsumer(Vertx, String, Function)} with a name, phase or local-only option.
   *
   * @param <T> the type of the messages' bodies
   * @param vertx the Vert.x instance whose event bus it consumes
   * @param address the address consumed
   * @param handler handles each message; its future's result is the reply
   * @param options its name, phase and whether it is local only
   * @return the consumer, registering: see {@link DrainingConsumer#completion()}
   */
  public static <T> DrainingConsumer<T> asyncConsumer(Vertx vertx, String address,
      Function<Message<T>, Future<?>> handler, DrainingConsumerOptions options) {
    return DrainingConsumerImpl.replyingWithFuture(vertx, address, handler, options);
  }
}
