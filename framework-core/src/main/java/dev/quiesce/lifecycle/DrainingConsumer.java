package dev.quiesce.lifecycle;

import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * An event-bus consumer that drains at a stop: made by {@link QuiesceEventBus}, it is a
 * {@link Participant} of its phase ({@code drain} by default) that
 * <ol>
 *   <li>unregisters the consumer, so that new messages go to the other consumers of the address
 *       or fail at once for their sender ({@code NO_HANDLERS}), never into a consumer that will
 *       not answer;</li>
 *   <li>waits, within the phase's budget, for the messages in progress: a request whose handler
 *       has not replied (or failed it) yet, or, for {@link QuiesceEventBus#asyncConsumer}, whose
 *       returned future is not complete;</li>
 *   <li>fails each message still in progress at the end of the budget with
 *       {@link #ABORTED_FAILURE_CODE} (a {@code RECIPIENT_FAILURE} that names the address), so its
 *       sender does not wait for its send timeout; a later reply of the handler is dropped;</li>
 *   <li>acknowledges with {@code {"address":…,"inProgress":N,"completed":N,"aborted":N,"waitedMs":N}};
 *       with {@code aborted > 0} also {@code "forced": true} and a {@code "forcedReason"}, so the
 *       stop counts as forced (exit code 3) and the report names the consumer. {@code inProgress}
 *       counts the messages the drain waited for (those in progress when it began and those handed
 *       to the handler after it began, before the unregistration took effect) and is always
 *       {@code completed + aborted}; a message whose reply was sent is never counted aborted, and a
 *       sender gets the reply or the failure, never both.</li>
 * </ol>
 *
 * <p>Messages already routed to the consumer but not yet handed to its handler when it
 * unregisters are not delivered: Vert.x answers each at once with a failure
 * ({@code ReplyException}, failure type {@code TIMEOUT}, message {@code "Discarded the request…"})
 * and logs it; the sender fails fast and may send again, to another consumer of the address.
 *
 * <p>The {@code drain} command (suspend) and {@code resume} leave the consumer registered.
 *
 * @param <T> the type of the messages' bodies
 */
public interface DrainingConsumer<T> {

  /** The failure code sent to the sender of a message still in progress at the end of the budget. */
  int ABORTED_FAILURE_CODE = 503;

  /**
   * The address consumed.
   *
   * @return the event-bus address
   */
  String address();

  /**
   * The participant's name in the stop report.
   *
   * @return the name
   */
  String name();

  /**
   * The stop phase in which it drains.
   *
   * @return the phase
   */
  String phase();

  /**
   * The underlying Vert.x consumer, for {@code completion()}, {@code isRegistered()},
   * {@code pause()}/{@code resume()}. Do not replace its handler: the drain would no longer see
   * the messages.
   *
   * @return the consumer
   */
  MessageConsumer<T> messageConsumer();

  /**
   * Completes when the consumer is registered on the event bus and the participant with the
   * coordinator; fails when either fails (the coordinator does not answer within 5 s, or refuses
   * the name). The consumer serves messages either way; {@link #unregister()} it on failure.
   *
   * @return the registrations' completion
   */
  Future<Void> completion();

  /**
   * The messages in progress now.
   *
   * @return their number
   */
  int inProgress();

  /**
   * Drains now, as the phase does: unregisters the consumer, waits at most {@code budget} for
   * the messages in progress, fails those left, and gives the detail described above. Called
   * again (or by the phase after a call), returns the same future. Never fails.
   *
   * @param budget the longest it waits for the messages in progress
   * @return the detail, once the messages are done or failed
   */
  Future<JsonObject> drain(Duration budget);

  /**
   * Unregisters the consumer and the participant without waiting for the messages in progress
   * (they may still reply). Never fails.
   *
   * <p>Call it when the consumer is given up before a stop, e.g. in the {@code stop()} of the
   * verticle that made it: undeploying the verticle does not take the participant off the
   * coordinator, and the next stop would wait for it for its phase's whole budget.
   *
   * @return completes when both are unregistered
   */
  Future<Void> unregister();
}
