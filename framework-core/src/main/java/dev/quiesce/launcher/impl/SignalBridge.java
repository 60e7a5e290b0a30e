package dev.quiesce.launcher.impl;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.EventBusContract.SignalAction;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.SignalMapping;
import dev.quiesce.lifecycle.Trigger;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where OS signals are caught. Each caught signal is turned into a lifecycle
 * command ({@code stop}, {@code reload}, {@code drain}, {@code resume}) or {@code ignore}d,
 * and published on {@link EventBusContract#SIGNALS} so other components (the process
 * manager) can pass it on.
 *
 * <p>A handled TERM replaces the JVM's own exit on TERM: the launcher exits after the stop,
 * with its own exit code. A signal mapped to {@code default} keeps the JVM's behaviour. Under
 * {@code -Xrs} the JVM catches no signal at all: {@link #install} reports it through
 * {@link Installed#reducedSignals()} instead of failing. A signal that the JVM inherited as
 * ignored (a start under {@code nohup} ignores HUP; a shell's background job ignores INT) is never
 * delivered, although registering a handler for it succeeds: {@link #install} finds these in the
 * kernel's {@code SigIgn} mask after registering and reports them in
 * {@link Installed#inheritedIgnored()}, with a warning, instead of claiming to handle them.
 *
 * <p>It lives with the launcher, which installs it, and not in {@code dev.quiesce.signal}: that
 * package holds {@link PosixSignal}, which the configuration of the lifecycle and of the process
 * manager read, so it must not depend on the lifecycle as the bridge does (no package cycle).
 *
 * <p>A reload applies a changed {@code lifecycle.signals} and {@code signalDebounce} at once
 * ({@link #remap}): a signal newly mapped gets a handler, one whose action changed does the new
 * action from its next delivery, and one mapped to {@code default} (or no longer caught) gets the
 * JVM's own handler back.
 */
public final class SignalBridge {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.signal");
  /** A last delivery long enough ago that no debounce period covers it. */
  private static final long NEVER = 1L << 62;

  private final Vertx vertx;
  private final LifecycleCoordinator coordinator;
  /** Every signal this bridge handles now, with what it does. */
  private final Map<PosixSignal, Caught> caught = new ConcurrentHashMap<>();
  private volatile long debounceNanos;
  private volatile Installed installed;

  // sun.misc.Signal is named in full, never imported: javadoc reads this class (the public launcher
  // refers to it) and reports an import of it as internal proprietary API, which fails the javadoc jar.
  /** One handled signal: its current action, its count, and when it last came (for the debounce). */
  private final class Caught implements sun.misc.SignalHandler {
    private final PosixSignal signal;
    private final sun.misc.SignalHandler original;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong last = new AtomicLong(System.nanoTime() - NEVER);
    private volatile SignalAction action;

    private Caught(PosixSignal signal, SignalAction action) {
      this.signal = signal;
      this.action = action;
      this.original = sun.misc.Signal.handle(new sun.misc.Signal(signal.name()), this);
    }

    @Override
    public void handle(sun.misc.Signal delivered) {
      long now = System.nanoTime();
      boolean duplicate = now - last.getAndSet(now) < debounceNanos;
      onSignal(signal, duplicate ? SignalAction.DUPLICATE : action, count.incrementAndGet());
    }

    /** Gives the signal back to the handler it had before this bridge (the JVM's own). */
    private void release() {
      sun.misc.Signal.handle(new sun.misc.Signal(signal.name()), original);
    }
  }

  private SignalBridge(Vertx vertx, LifecycleCoordinator coordinator) {
    this.vertx = vertx;
    this.coordinator = coordinator;
  }

  /**
   * What {@link #install} or {@link #remap} did.
   *
   * @param handled what each signal a handler now catches does, in the order of the mapping
   *     (a signal caught only to be passed on shows {@link SignalMapping#IGNORE}); never
   *     {@link SignalMapping#DEFAULT}
   * @param failed signals that could not be caught (the JVM refused them, or {@code -Xrs})
   * @param reducedSignals the JVM runs with {@code -Xrs} and catches nothing
   * @param inheritedIgnored signals that stay ignored because the process inherited them as ignored
   */
  public record Installed(Map<PosixSignal, SignalMapping> handled, List<PosixSignal> failed, boolean reducedSignals,
      List<PosixSignal> inheritedIgnored) {

    public Installed {
      handled = Collections.unmodifiableMap(new LinkedHashMap<>(handled));
      failed = List.copyOf(failed);
      inheritedIgnored = List.copyOf(inheritedIgnored);
    }
  }

  /** True when the JVM was started with {@code -Xrs} (it then handles no signal). */
  public static boolean reducedSignals() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-Xrs");
  }

  /**
   * Installs a handler for every signal of {@code actions} (but those mapped to
   * {@link SignalMapping#DEFAULT}) and for every signal of {@code passOn} (published only).
   *
   * @param actions what each signal does, as {@link dev.quiesce.lifecycle.LifecycleConfig#signals()} says
   * @param passOn signals to catch only so that they can be passed on
   * @param debounce a signal less than this after the previous one of the same name is a duplicate:
   *     logged and published, but not turned into a command again
   * @return the bridge, to {@link #remap} on a reload; {@link #installed()} says what it caught
   */
  public static SignalBridge start(Vertx vertx, LifecycleCoordinator coordinator,
      Map<PosixSignal, SignalMapping> actions, Set<PosixSignal> passOn, Duration debounce) {
    SignalBridge bridge = new SignalBridge(vertx, coordinator);
    bridge.remap(actions, passOn, debounce);
    return bridge;
  }

  /** What the bridge catches now. */
  public Installed installed() {
    return installed;
  }

  /**
   * Applies a new mapping (a reload changed {@code lifecycle.signals}, {@code signalDebounce} or
   * the signals to pass on): from the next delivery on, each signal does what the new mapping
   * says. Safe to call from any thread; a signal the JVM refuses is reported in
   * {@link Installed#failed()} and logged, the others are applied.
   *
   * @return what the bridge catches now, as {@link #installed()} then answers
   */
  public synchronized Installed remap(Map<PosixSignal, SignalMapping> actions, Set<PosixSignal> passOn,
      Duration debounce) {
    Map<PosixSignal, SignalMapping> wanted = new LinkedHashMap<>(actions);
    passOn.forEach(s -> wanted.putIfAbsent(s, SignalMapping.IGNORE));
    wanted.values().removeIf(mapping -> !mapping.caught());
    debounceNanos = debounce.toNanos();
    for (PosixSignal signal : List.copyOf(caught.keySet())) {
      if (!wanted.containsKey(signal)) {
        caught.remove(signal).release();
      }
    }
    Map<PosixSignal, SignalMapping> handled = new LinkedHashMap<>();
    List<PosixSignal> failed = new ArrayList<>();
    boolean reduced = reducedSignals();
    wanted.forEach((signal, mapping) -> {
      if (reduced) {
        failed.add(signal);
        return;
      }
      Caught existing = caught.get(signal);
      try {
        if (existing != null) {
          existing.action = mapping.action();
        } else {
          caught.put(signal, new Caught(signal, mapping.action()));
        }
        handled.put(signal, mapping);
      } catch (IllegalArgumentException e) {
        failed.add(signal);
        LOG.warn("cannot catch SIG{}: {}", signal, e.getMessage());
      }
    });
    List<PosixSignal> ignored = new ArrayList<>();
    for (PosixSignal signal : List.copyOf(handled.keySet())) {
      if (IgnoredSignals.isIgnored(signal.number())) {
        handled.remove(signal);
        ignored.add(signal);
        LOG.warn("SIG{} was ignored when this process started (nohup, or a parent that ignores it), so the JVM"
            + " never delivers it and '{}' cannot be triggered by it; start the process without ignoring it, or use"
            + " the management endpoint or the event bus", signal, wanted.get(signal).wireName());
      }
    }
    installed = new Installed(handled, failed, reduced || (!failed.isEmpty() && handled.isEmpty()), ignored);
    return installed;
  }

  private void onSignal(PosixSignal signal, SignalAction action, long n) {
    String name = signal.name();
    if (action == SignalAction.DUPLICATE) {
      LOG.info("caught SIG{} (#{}) again within the debounce period: a duplicate, ignored", name, n);
    } else {
      LOG.info("caught SIG{} (#{}) -> {}", name, n, action == SignalAction.NONE ? "ignore" : action.wireName());
    }
    try {
      vertx.eventBus().publish(EventBusContract.SIGNALS,
          new JsonObject().put("signal", name).put("action", action.wireName()).put("count", n),
          EventBusContract.nodeLocal());
    } catch (RuntimeException e) {
      LOG.debug("could not publish SIG{}: {}", name, e.getMessage());
    }
    action.command().ifPresent(command -> coordinator.trigger(command, Trigger.SIGNAL, "SIG" + name));
  }
}
