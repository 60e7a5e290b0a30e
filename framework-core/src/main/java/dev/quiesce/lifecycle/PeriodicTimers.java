package dev.quiesce.lifecycle;

import dev.quiesce.lifecycle.impl.PeriodicTimersParticipant;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Set;

/**
 * Periodic timers that a stop cancels, so that no new periodic work begins while the
 * application stops. Register it like any participant:
 *
 * <pre>{@code
 * PeriodicTimers timers = PeriodicTimers.create(vertx, "refresh");
 * Participants.register(vertx, timers);
 * timers.setPeriodic(Duration.ofSeconds(30), id -> refreshCache());
 * }</pre>
 *
 * <p>When it hears its phase ({@code announce} unless another is named), it cancels every timer
 * still set through it and answers {@code done} with {@code {"cancelled":N}}: N is the number of
 * timers it cancelled (not those cancelled before). From that moment no handler of those timers
 * runs, not even a tick that was already due; a tick in progress finishes. After the phase,
 * {@link #setPeriodic} refuses new timers. A reversible {@code drain} command (suspend) does not
 * cancel them.
 *
 * <p>A phase of budget 0 (announce, by default) is not awaited: the stop report then shows this
 * participant as {@code notified}, without the count, which is logged instead (logger
 * {@code dev.quiesce.lifecycle.impl.PeriodicTimersParticipant}). The phase must be one of the configured stop phases: in a phase list without it, the timers
 * are not cancelled before the process exits.
 */
public interface PeriodicTimers extends Participant {

  /**
   * Timers cancelled when the {@code announce} phase begins, reported as {@code name}.
   *
   * @param vertx the Vert.x instance the timers are set on
   * @param name the participant's name in the stop report
   * @return the helper, not yet registered
   */
  static PeriodicTimers create(Vertx vertx, String name) {
    return create(vertx, name, Steps.ANNOUNCE);
  }

  /**
   * Timers cancelled when {@code phase} begins, reported as {@code name}.
   *
   * @param vertx the Vert.x instance the timers are set on
   * @param name the participant's name in the stop report
   * @param phase the stop phase that cancels the timers
   * @return the helper, not yet registered
   */
  static PeriodicTimers create(Vertx vertx, String name, String phase) {
    return create(vertx, name, phase, Set.of());
  }

  /**
   * Timers cancelled in {@code phase} once the participants named in {@code after} have answered it
   * ({@link Participant#after()}): they keep ticking until then.
   *
   * @param vertx the Vert.x instance the timers are set on
   * @param name the participant's name in the stop report
   * @param phase the stop phase that cancels the timers
   * @param after the names of the participants it answers after
   * @return the helper, not yet registered
   */
  static PeriodicTimers create(Vertx vertx, String name, String phase, Set<String> after) {
    return new PeriodicTimersParticipant(vertx, name, phase, after);
  }

  /**
   * Sets a periodic timer, first due after {@code period}; as {@link Vertx#setPeriodic(long, Handler)}.
   *
   * @param period the time between ticks, at least 1 ms
   * @param handler called with the timer's id at each tick
   * @return the timer's id, for {@link #cancel(long)}
   * @throws IllegalStateException when the phase that cancels the timers has begun
   */
  default long setPeriodic(Duration period, Handler<Long> handler) {
    return setPeriodic(period, period, handler);
  }

  /**
   * Sets a periodic timer, first due after {@code initialDelay}, then every {@code period};
   * as {@link Vertx#setPeriodic(long, long, Handler)}. Both durations are rounded to milliseconds
   * and must be at least 1 ms.
   *
   * @param initialDelay the time until the first tick
   * @param period the time between ticks
   * @param handler called with the timer's id at each tick
   * @return the timer's id, for {@link #cancel(long)}
   * @throws IllegalArgumentException when a duration is under 1 ms
   * @throws IllegalStateException when the phase that cancels the timers has begun
   */
  long setPeriodic(Duration initialDelay, Duration period, Handler<Long> handler);

  /**
   * Cancels one timer set through this helper.
   *
   * @param id the id {@link #setPeriodic} returned
   * @return true when it was cancelled now; false when it was not set here or is already cancelled
   */
  boolean cancel(long id);

  /**
   * How many timers set through this helper have not been cancelled through it.
   *
   * @return the count
   */
  int active();
}
