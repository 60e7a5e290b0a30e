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
  /** Hangup: the controlling terminal closed or its controlling process died; by convention a request to reload. */
  HUP(1),
  /** Interrupt from the keyboard (Ctrl-C). */
  INT(2),
  /** Quit from the keyboard (Ctrl-\); a HotSpot JVM prints a thread dump and keeps running. */
  QUIT(3),
  /** Illegal instruction. */
  ILL(4),
  /** Trace or breakpoint trap. */
  TRAP(5),
  /** Abort, as {@code abort(3)} raises it. */
  ABRT(6),
  /** Bus error (bad memory access). */
  BUS(7),
  /** Arithmetic error, such as an integer division by zero. */
  FPE(8),
  /** Kill: ends the process at once; no process can catch, block or ignore it. */
  KILL(9),
  /** User-defined signal 1. */
  USR1(10),
  /** Invalid memory reference. */
  SEGV(11),
  /** User-defined signal 2; HotSpot uses it itself to suspend and resume threads. */
  USR2(12),
  /** Write to a pipe or socket that no process reads. */
  PIPE(13),
  /** Timer signal from {@code alarm(2)}. */
  ALRM(14),
  /** Termination request: the usual polite way to ask a process to stop. */
  TERM(15),
  /** Stack fault on a coprocessor (unused on Linux). */
  STKFLT(16),
  /** A child process stopped, resumed or terminated. */
  CHLD(17),
  /** Continue a stopped process. */
  CONT(18),
  /** Stop (suspend) the process; no process can catch, block or ignore it. */
  STOP(19),
  /** Stop typed at the terminal (Ctrl-Z). */
  TSTP(20),
  /** A background process read from its terminal. */
  TTIN(21),
  /** A background process wrote to its terminal. */
  TTOU(22),
  /** Urgent (out-of-band) data on a socket. */
  URG(23),
  /** CPU time limit exceeded. */
  XCPU(24),
  /** File size limit exceeded. */
  XFSZ(25),
  /** Virtual (process CPU time) timer expired. */
  VTALRM(26),
  /** Profiling timer expired. */
  PROF(27),
  /** The terminal window changed size. */
  WINCH(28),
  /** I/O is possible on a descriptor (also {@code POLL}). */
  IO(29),
  /** Power failure. */
  PWR(30),
  /** Bad system call. */
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

  /**
   * The signal number, as {@code kill(2)} takes it.
   *
   * @return the Linux number (1 to 31)
   */
  public int number() {
    return number;
  }

  /**
   * Whether this signal's default action stops (suspends) a process, or resumes it.
   *
   * @return true for {@link #STOP}, {@link #TSTP}, {@link #TTIN}, {@link #TTOU} and {@link #CONT}
   */
  public boolean suspendsOrResumes() {
    return this == STOP || this == TSTP || this == TTIN || this == TTOU || this == CONT;
  }

  /**
   * Whether the signal bridge can catch this signal.
   *
   * @return true when {@link #CATCHABLE} holds it
   */
  public boolean catchable() {
    return CATCHABLE.contains(this);
  }

  /**
   * Why the signal bridge cannot catch this signal, as a sentence for a configuration error, or
   * empty when it can.
   *
   * @return the reason, or empty for a signal in {@link #CATCHABLE}
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
   * @param name a signal name, in any spelling {@link #parse} accepts
   * @return the signal, one of {@link #CATCHABLE}
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
   *
   * @param name a signal name, or null
   * @return the signal, or empty when {@code name} is null or names no signal
   */
  public static Optional<PosixSignal> byName(String name) {
    return Optional.ofNullable(name == null ? null : BY_NAME.get(canonical(name)));
  }

  /**
   * The signal of this number, if there is one.
   *
   * @param number a Linux signal number
   * @return the signal, or empty when no signal of this enum has that number
   */
  public static Optional<PosixSignal> byNumber(int number) {
    return Optional.ofNullable(BY_NUMBER.get(number));
  }

  /**
   * Parses a signal name as the configuration, the commands and the events write it. One rule
   * everywhere: case does not matter, a {@code SIG} prefix and surrounding blanks are dropped, so
   * {@code "TERM"}, {@code "term"}, {@code "SIGTERM"} and {@code "sigterm"} all name {@link #TERM}.
   *
   * @param name a signal name
   * @return the signal it names
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
