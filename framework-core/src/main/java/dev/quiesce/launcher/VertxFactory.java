package dev.quiesce.launcher;

import dev.quiesce.launcher.impl.Handover;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Lets a framework module create the {@code Vertx} instance the launcher runs the application on,
 * instead of the launcher's plain {@code Vertx.vertx(options)}: {@code framework-cluster} creates a
 * clustered one when the configuration asks for it. Declared in
 * {@code META-INF/services/dev.quiesce.launcher.VertxFactory}; at most one factory may apply to a
 * configuration (two that do end the start with exit code 1, naming both).
 *
 * <p>The launcher waits for the returned future at most {@code lifecycle.startTimeout}; a failed or
 * late future ends the start with exit code 1 and the cause in the log (a late instance is closed
 * when it arrives). The launcher closes the instance at the end of the run, after the stop.
 *
 * <p>Once the application has started, the launcher asks the factory that created the instance to
 * {@linkplain #describe describe} it, and adds that to the start line ({@code quiesce started ...}):
 * the cluster factory names the cluster, this node's id, the members it sees, and a warning for each
 * configured member it could not join.
 */
public interface VertxFactory {

  /**
   * Creates the instance, when this factory applies to {@code config}.
   *
   * @param options the options, with every {@link VertxOptionsContributor}'s changes
   * @param config the validated configuration
   * @return empty when this factory does not apply (the launcher then creates a plain instance);
   *     else the instance to be, failed with a cause that names what went wrong
   */
  Optional<Future<Vertx>> create(VertxOptions options, JsonObject config);

  /**
   * The pid of the process whose {@code upgrade} started this JVM (its predecessor, which still runs
   * beside it and holds what it bound), or empty when this JVM was not started by an upgrade (a child
   * of a successor inherits its environment but is not one). A factory uses it to bind what only one
   * process may hold (a cluster member port) beside the predecessor's.
   *
   * @return the predecessor's pid, or empty
   */
  static OptionalLong upgradePredecessor() {
    return Handover.predecessorOf(System.getenv());
  }

  /**
   * What the start line says about {@code created}, an instance this factory's {@link #create} made:
   * called once, on the launcher's thread, after the application has started and just before the
   * start line is logged (not when a stop already runs). It must return promptly (within a few
   * seconds at most: the start line waits for it); an exception is logged as a warning and the start
   * line goes without the description. The default describes nothing.
   *
   * @param created the instance {@link #create} made, running
   * @return what to add to the start line
   */
  default Description describe(Vertx created) {
    return Description.NONE;
  }

  /**
   * How much longer than a plain instance {@code created} may take to close: the launcher adds it to
   * the bound of its {@code vertx.close()} after the stop (what is left of the stop's deadline, or a
   * short grace after a forced stop) and to the margin of the stop's watchdog, so that what the close
   * does beyond a plain instance's (a cluster node leaving its cluster) is not cut by the exit. It only
   * raises a bound: a close that completes sooner ends the wait sooner. Called on the launcher's
   * thread; it must return at once. The default adds nothing.
   *
   * @param created the instance {@link #create} made
   * @return a duration, zero or more (a negative one counts as zero)
   */
  default Duration closeAllowance(Vertx created) {
    return Duration.ZERO;
  }

  /**
   * A factory's part of the start line.
   *
   * @param summary what the instance is, one phrase without a line break (e.g.
   *     {@code cluster "shop" node 5e1c... members 3 [127.0.0.1:5701 (this), ...]}); empty for nothing
   * @param warnings each a sentence without a line break, logged after {@code WARNING: } on the start
   *     line: something the operator should act on, though the start went on
   */
  record Description(String summary, List<String> warnings) {

    /** Nothing to add to the start line. */
    public static final Description NONE = new Description("", List.of());

    /**
     * Checks and copies the components.
     *
     * @param summary what the instance is, one phrase
     * @param warnings the warnings, each a sentence
     * @throws NullPointerException if either is null
     */
    public Description {
      Objects.requireNonNull(summary, "summary");
      warnings = List.copyOf(warnings);
    }
  }
}
