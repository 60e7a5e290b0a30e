package dev.quiesce.lifecycle;

import dev.quiesce.lifecycle.impl.ClosingParticipant;
import dev.quiesce.lifecycle.impl.ParticipantBinding;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Connects a {@link Participant} to the lifecycle coordinator over the event bus.
 */
public final class Participants {

  private Participants() {
  }

  /**
   * Registers {@code participant}: listens to {@link EventBusContract#PHASE} on the caller's
   * context, calls the participant for its phases and steps, and sends each outcome to
   * {@link EventBusContract#ACK}; then announces it to the coordinator on
   * {@link EventBusContract#REGISTER}.
   *
   * @param vertx the Vert.x instance the coordinator runs on
   * @param participant what the coordinator calls
   * @return a registration to {@link Registration#unregister() unregister}; fails when the
   *     coordinator does not answer within 5 s or refuses the name (already registered) or, once the
   *     application runs, its {@link Participant#after() order} (a name not registered, a cycle)
   */
  public static Future<Registration> register(Vertx vertx, Participant participant) {
    return ParticipantBinding.bind(vertx, participant);
  }

  /**
   * Registers a participant named {@code name} that closes something in {@code phase} (usually
   * {@code "close"}, which runs before the remaining verticles are undeployed): a pool, a client,
   * anything with a close that returns a Future, e.g.
   * {@code Participants.closeOn(vertx, "close", "db-pool", () -> pool.close())}.
   *
   * <p>In the report: {@code done} with {@code {"closed":true}} when the close's future succeeds
   * within the phase; {@code failed} with its message when it fails, when {@code close} throws or
   * returns null; {@code timed-out} when it has not completed by the phase's deadline, and the stop
   * goes on without it. The close is called once per stop, on the caller's context.
   *
   * @param vertx the Vert.x instance the coordinator runs on
   * @param phase the stop phase in which it closes
   * @param name the participant's name
   * @param close starts the close and returns its future
   * @return the registration, as {@link #register(Vertx, Participant)}
   */
  public static Future<Registration> closeOn(Vertx vertx, String phase, String name,
      Supplier<? extends Future<?>> close) {
    return closeOn(vertx, phase, name, Set.of(), close);
  }

  /**
   * {@link #closeOn(Vertx, String, String, Supplier)} only once the participants named in
   * {@code after} have answered the phase ({@link Participant#after()}), e.g. a pool closed after
   * the HTTP server and the consumers that use it:
   * {@code Participants.closeOn(vertx, "close", "db-pool", Set.of("http"), () -> pool.close())}.
   * A name nobody registered, or a cycle, is refused when the application is marked running.
   *
   * @param vertx the Vert.x instance the coordinator runs on
   * @param phase the stop phase in which it closes
   * @param name the participant's name
   * @param after the names of the participants it closes after
   * @param close starts the close and returns its future
   * @return the registration, as {@link #register(Vertx, Participant)}
   */
  public static Future<Registration> closeOn(Vertx vertx, String phase, String name, Set<String> after,
      Supplier<? extends Future<?>> close) {
    return register(vertx, ClosingParticipant.closing(name, phase, after, close));
  }

  /**
   * Registers a participant named {@code name} that calls {@code resource.close()} in
   * {@code phase} on a worker thread, since such a close usually blocks (a JDBC pool, a Kafka
   * client). Outcomes as {@link #closeOn}: a close that throws is {@code failed} with the
   * exception's message; one that has not returned by the phase's deadline is {@code timed-out}
   * and the stop goes on (its worker thread stays blocked until the close returns).
   *
   * @param vertx the Vert.x instance the coordinator runs on
   * @param phase the stop phase in which it closes
   * @param name the participant's name
   * @param resource closed on a worker thread
   * @return the registration, as {@link #register(Vertx, Participant)}
   */
  public static Future<Registration> closeBlockingOn(Vertx vertx, String phase, String name,
      AutoCloseable resource) {
    return closeBlockingOn(vertx, phase, name, Set.of(), resource);
  }

  /**
   * {@link #closeBlockingOn(Vertx, String, String, AutoCloseable)} only once the participants named
   * in {@code after} have answered the phase, as {@link #closeOn(Vertx, String, String, Set, Supplier)}.
   *
   * @param vertx the Vert.x instance the coordinator runs on
   * @param phase the stop phase in which it closes
   * @param name the participant's name
   * @param after the names of the participants it closes after
   * @param resource closed on a worker thread
   * @return the registration, as {@link #register(Vertx, Participant)}
   */
  public static Future<Registration> closeBlockingOn(Vertx vertx, String phase, String name, Set<String> after,
      AutoCloseable resource) {
    return register(vertx, ClosingParticipant.closingBlocking(vertx, name, phase, after, resource));
  }

  /** A participant's link to the coordinator. */
  public interface Registration {

    /**
     * The participant's name.
     *
     * @return the name
     */
    String name();

    /**
     * Stops listening and tells the coordinator, which stops waiting for this participant.
     * Never fails: a coordinator that is gone is not an error here.
     *
     * @return completes once the coordinator has been told (or is gone)
     */
    Future<Void> unregister();
  }
}
