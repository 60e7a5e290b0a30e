package dev.quiesce.process;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The POSIX signals of Linux (x86-64 and arm64 numbering), named as the configuration writes them:
 * without the {@code SIG} prefix ({@code TERM}, {@code HUP}, {@code USR1}).
 */
public enum PosixSignal {
  HUP(1), INT(2), QUIT(3), ILL(4), TRAP(5), ABRT(6), BUS(7), FPE(8), KILL(9), USR1(10), SEGV(11),
  USR2(12), PIPE(13), ALRM(14), TERM(15), STKFLT(16), CHLD(17), CONT(18), STOP(19), TSTP(20),
  TTIN(21), TTOU(22), URG(23), XCPU(24), XFSZ(25), VTALRM(26), PROF(27), WINCH(28), IO(29), PWR(30),
  SYS(31);

  /** Signals the framework's signal bridge can catch, and so the only ones a group can {@code propagate}. */
  public static final List<PosixSignal> CATCHABLE = List.of(TERM, INT, HUP, USR1, WINCH);

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

  /** The signal of this exact name ({@code "TERM"}), if there is one. */
  public static Optional<PosixSignal> byName(String name) {
    return Optional.ofNullable(name == null ? null : BY_NAME.get(name));
  }

  /** The signal of this number, if there is one. */
  public static Optional<PosixSignal> byNumber(int number) {
    return Optional.ofNullable(BY_NUMBER.get(number));
  }

  /**
   * Parses a signal name as the configuration and the commands write it.
   *
   * @throws IllegalArgumentException with a message that says what to write instead: the name
   *     without its {@code SIG} prefix, in upper case
   */
  public static PosixSignal parse(String name) {
    PosixSignal exact = BY_NAME.get(name);
    if (exact != null) {
      return exact;
    }
    String upper = name.trim().toUpperCase(Locale.ROOT);
    String bare = upper.startsWith("SIG") ? upper.substring(3) : upper;
    PosixSignal close = BY_NAME.get(bare);
    if (close != null) {
      throw new IllegalArgumentException("is not a signal name as written here; write \"" + close.name()
          + "\" (upper case, without the SIG prefix)");
    }
    throw new IllegalArgumentException("is not a signal name; use one of " + BY_NAME.keySet().stream().sorted()
        .collect(Collectors.joining(", ")) + " (without the SIG prefix)");
  }
}
