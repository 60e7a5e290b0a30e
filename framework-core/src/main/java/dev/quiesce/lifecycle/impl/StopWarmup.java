package dev.quiesce.lifecycle.impl;

/**
 * A module's part of the stop rehearsal ({@link StopRehearsal}); internal, not API. It is found
 * with {@link java.util.ServiceLoader} (the implementation listed in
 * {@code META-INF/services/dev.quiesce.lifecycle.impl.StopWarmup}), and only framework-web's and
 * process-manager's parts may implement it: {@code ArchitectureRules.CORE_IMPL_USERS} names
 * them, and the rule against using another module's {@code impl} packages refuses every other class.
 *
 * <p>Contract (checked by review and by each part's test, not enforceable by the type):
 * {@link #rehearse()} has no effect outside the objects it makes itself: it sends no message, opens
 * no file or socket, starts no thread and changes no state of the application. It may load and
 * initialise classes and call side-effect-free code with made-up data. Whatever it throws (but a
 * {@link VirtualMachineError} other than a {@link StackOverflowError}) is logged at debug level and
 * ends only its own part.
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
   * found, or whose class does not link, is skipped: the stop then loads it itself. Each part's test
   * checks that every name it lists loads, so that a library upgrade that renames one shows there.
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
