package dev.quiesce.lifecycle;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A constant of the event-bus contract with its name on the wire: the enum constant's name in
 * lower case with {@code -} for {@code _} ({@code PHASE_START} is {@code phase-start}). Implemented
 * by the enums of {@link EventBusContract}, {@link LifecycleCommand}, {@link Trigger},
 * {@link Outcome}, {@link StopOutcome} and {@link SignalMapping}.
 */
public interface WireNamed {

  /** The enum constant's name (every implementation is an enum). */
  String name();

  /** The name in JSON messages: {@code phase-start}. */
  default String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The wire names of every constant of {@code type}, in declaration order: for messages that say what to write. */
  static <E extends Enum<E> & WireNamed> List<String> wireNames(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(WireNamed::wireName).toList();
  }

  /** The constant of {@code type} whose {@link #wireName()} is {@code name}, if there is one; never throws. */
  static <E extends Enum<E> & WireNamed> Optional<E> fromWire(Class<E> type, String name) {
    return Arrays.stream(type.getEnumConstants()).filter(e -> e.wireName().equals(name)).findFirst();
  }
}
