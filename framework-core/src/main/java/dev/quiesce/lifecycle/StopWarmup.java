package dev.quiesce.lifecycle;

/**
 * A module's part of the stop rehearsal (a {@link java.util.ServiceLoader} service: list the
 * implementation in {@code META-INF/services/dev.quiesce.lifecycle.StopWarmup}). Once the coordinator
 * is {@code RUNNING}, each one found is run once, one after the other, on a daemon thread of minimal
 * priority ({@code quiesce-stop-rehearsal}), so that a stop does not pay for the first calls of its
 * code: the loading and linking of its classes, the first call of each lambda and string
 * concatenation (docs/BENCHMARKS.md, section 3b).
 *
 * <p>Contract: {@link #rehearse()} has no effect outside the objects it makes itself: it sends no
 * message, opens no file or socket, starts no thread and changes no state of the application. It
 * may load and initialise classes and call side-effect-free code with made-up data. An exception it
 * throws is logged at debug level and ends only its own rehearsal.
 */
public interface StopWarmup {

  /** Runs the side-effect-free parts of this module's stop path once. */
  void rehearse();

  /** Loads and initialises each class (for a class of the module itself: its initialiser must have no effect outside it). */
  static void load(Class<?>... classes) {
    for (Class<?> c : classes) {
      load(c.getClassLoader(), c.getName());
    }
  }

  /**
   * Loads and initialises each class named, with {@code loader}: for classes a module cannot name in
   * its code (package-private ones of a library, nested private ones of its own). A name that is not
   * found, or whose class does not link, is skipped: the stop then loads it itself.
   *
   * @return how many of the classes were loaded
   */
  static int load(ClassLoader loader, String... names) {
    int loaded = 0;
    for (String name : names) {
      try {
        Class.forName(name, true, loader);
        loaded++;
      } catch (ClassNotFoundException | LinkageError e) {
        // skipped, as documented
      }
    }
    return loaded;
  }
}
