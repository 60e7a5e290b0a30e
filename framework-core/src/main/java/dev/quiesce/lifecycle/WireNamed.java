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

  /**
   * The enum constant's name (every implementation is an enum).
   *
   * @return the constant's Java name, such as {@code PHASE_START}
   */
  String name();

  /**
   * The name in JSON messages.
   *
   * @return the wire name, such as {@code phase-start}
   */
  default String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The wire names of every constant of {@code type}, in declaration order: for messages that say what to write.
   *
   * @param <E> the enum
   * @param type the enum's class
   * @return the names
   */
  static <E extends Enum<E> & WireNamed> List<String> wireNames(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(WireNamed::wireName).toList();
  }

  /**
   * The constant of {@code type} whose {@link #wireName()} is {@code name}, if there is one; never throws.
   *
   * @param <E> the enum
   * @param type the enum's class
   * @param name a wire name, or null
   * @return the constant, or empty when none has that wire name
   */
  static <E extends Enum<E> & WireNamed> Optional<E> fromWire(Class<E> type, String name) {
    return Arrays.stream(type.getEnumConstants()).filter(e -> e.wireName().equals(name)).findFirst();
  }
}
