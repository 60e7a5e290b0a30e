package dev.quiesce.signal;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The POSIX signals of Linux (x86-64 and arm64 numbering), and which of them the JVM lets the
 * framework catch. The one signal type of the framework: {@code lifecycle.signals}, the process
 * manager's {@code stopSignal}, {@code stopLadder}, {@code propagate}, {@code reload} and its
 * {@code signal} command all read names with {@link #parse}, so they accept the same spellings.
 *
 * <p>The canonical name is the one without the {@code SIG} prefix ({@code TERM}, {@code HUP},
 * {@code USR1}); events, reports and the start line always show that name.
 */
public enum PosixSignal {
  HUP(1), INT(2), QUIT(3), ILL(4), TRAP(5), ABRT(6), BUS(7), FPE(8), KILL(9), USR1(10), SEGV(11),
  USR2(12), PIPE(13), ALRM(14), TERM(15), STKFLT(16), CHLD(17), CONT(18), STOP(19), TSTP(20),
  TTIN(21), TTOU(22), URG(23), XCPU(24), XFSZ(25), VTALRM(26), PROF(27), WINCH(28), IO(29), PWR(30),
  SYS(31);

  /**
   * The signals a HotSpot JVM on Linux lets the signal bridge catch: the only ones
   * {@code lifecycle.signals} can map and a process group can {@code propagate}.
   */
  public static final List<PosixSignal> CATCHABLE = List.of(TERM, INT, HUP, USR1, WINCH);

  private static final Map<PosixSignal, String> WHY_NOT_CATCHABLE = Map.of(
      QUIT, "QUIT cannot be handled: the JVM uses it to print thread dumps",
      USR2, "USR2 must not be handled: it is the JVM's own suspend/resume signal (handling or sending it"
          + " can crash HotSpot)",
      KILL, "KILL cannot be caught by any process",
      STOP, "STOP cannot be caught by any process");

  private static final String NOT_CATCHABLE = "is not a signal the framework can catch; use one of " + CATCHABLE;

  private static final Map<String, PosixSignal> BY_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(Enum::name, Function.identity()));
  private static final Map<Integer, PosixSignal> BY_NUMBER =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(PosixSignal::number, Function.identity()));

  private final int number;

  PosixSignal(int number) {
    this.number = number;
  }

  /** The signal number, as {@code kill(2)} takes it. */
  public int number() {
    return number;
  }

  /** True for signals whose default action stops (suspends) a process, or resumes it. */
  public boolean suspendsOrResumes() {
    return this == STOP || this == TSTP || this == TTIN || this == TTOU || this == CONT;
  }

  /** True when the signal bridge can catch this signal (see {@link #CATCHABLE}). */
  public boolean catchable() {
    return CATCHABLE.contains(this);
  }

  /**
   * Why the signal bridge cannot catch this signal, as a sentence for a configuration error, or
   * empty when it can.
   */
  public Optional<String> whyNotCatchable() {
    if (catchable()) {
      return Optional.empty();
    }
    return Optional.of(WHY_NOT_CATCHABLE.getOrDefault(this, NOT_CATCHABLE));
  }

  /**
   * Parses a name as {@link #parse} does and requires a signal the signal bridge can catch
   * ({@code lifecycle.signals}, a group's {@code propagate}).
   *
   * @throws IllegalArgumentException saying why the signal cannot be caught (the JVM uses it, no
   *     process can catch it, or it is no signal at all) and which ones can
   */
  public static PosixSignal parseCatchable(String name) {
    PosixSignal signal = byName(name).orElseThrow(() -> new IllegalArgumentException(NOT_CATCHABLE));
    signal.whyNotCatchable().ifPresent(why -> {
      throw new IllegalArgumentException(why);
    });
    return signal;
  }

  /**
   * The signal of a name in any of the spellings {@link #parse} accepts, if there is one; never
   * throws.
   */
  public static Optional<PosixSignal> byName(String name) {
    return Optional.ofNullable(name == null ? null : BY_NAME.get(canonical(name)));
  }

  /** The signal of this number, if there is one. */
  public static Optional<PosixSignal> byNumber(int number) {
    return Optional.ofNullable(BY_NUMBER.get(number));
  }

  /**
   * Parses a signal name as the configuration, the commands and the events write it. One rule
   * everywhere: case does not matter, a {@code SIG} prefix and surrounding blanks are dropped, so
   * {@code "TERM"}, {@code "term"}, {@code "SIGTERM"} and {@code "sigterm"} all name {@link #TERM}.
   *
   * @throws IllegalArgumentException when no signal has that name; the message (which does not
   *     repeat the name) lists the names there are
   */
  public static PosixSignal parse(String name) {
    return byName(name).orElseThrow(() -> new IllegalArgumentException("is not a signal name; use one of "
        + BY_NAME.keySet().stream().sorted().collect(Collectors.joining(", "))
        + " (the SIG prefix and the case do not matter)"));
  }

  private static String canonical(String name) {
    String upper = name.trim().toUpperCase(Locale.ROOT);
    return upper.startsWith("SIG") ? upper.substring(3) : upper;
  }
}
