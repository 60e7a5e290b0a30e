package dev.quiesce.lifecycle;

import dev.quiesce.lifecycle.impl.ParticipantBinding;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

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
   * @return a registration to {@link Registration#unregister() unregister}; fails when the
   *     coordinator does not answer within 5 s or refuses the name (already registered) or, once the
   *     application runs, its {@link Participant#after() order} (a name not registered, a cycle)
   */
  public static Future<Registration> register(Vertx vertx, Participant participant) {
    return ParticipantBinding.bind(vertx, participant);
  }

  /** A participant's link to the coordinator. */
  public interface Registration {

    /** The participant's name. */
    String name();

    /**
     * Stops listening and tells the coordinator, which stops waiting for this participant.
     * Never fails: a coordinator that is gone is not an error here.
     */
    Future<Void> unregister();
  }
}
