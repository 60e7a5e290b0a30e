package dev.quiesce.launcher.impl;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigLoader;
import dev.quiesce.config.ConfigSection;
import dev.quiesce.config.LoadedConfig;
import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.launcher.QuiesceApplication;
import dev.quiesce.launcher.UpgradeConfig;
import dev.quiesce.launcher.VertxFactory;
import dev.quiesce.launcher.VertxOptionsContributor;
import dev.quiesce.lifecycle.HaltHooks;
import dev.quiesce.lifecycle.LifecycleCommand;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.lifecycle.Outcome;
import dev.quiesce.lifecycle.StopReport;
import dev.quiesce.lifecycle.Trigger;
import dev.quiesce.lifecycle.UpgradeHandover;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of an application, from the command line to the exit code, as a chain of named steps
 * (the way Vert.x chains its own close): read the command line, load the configuration, start
 * Vert.x and the coordinator, catch signals, start the application, announce the start, then await
 * the stop and close Vert.x. Each step either lets the run go on (an empty result) or ends it with
 * an exit code; the last one always gives the exit code.
 */
public final class LauncherRun {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.launcher");
  private static final Duration CLOSE_GRACE = Duration.ofMillis(250);
  private static final long WATCHDOG_MARGIN_MS = 500;

  private final String[] args;
  private final QuiesceApplication app;
  private final AtomicInteger exitCode = new AtomicInteger(ExitCodes.FORCED);
  /** The watch of {@code lifecycle.watchConfig}, or null; started after the start, ended by a stop. */
  private final AtomicReference<ConfigWatcher> configWatch = new AtomicReference<>();
  private volatile LifecycleCoordinator coordinator;
  private volatile Vertx vertx;
  // what the steps hand on to the next, each set once by the step that makes it
  private long started;
  private CommandLine commandLine;
  private LoadedConfig loaded;
  private Path configFile;
  private String configFingerprint;
  private LifecycleConfig lifecycle;
  private SignalBridge.Installed signals;
  private ListenerSharing sharing;
  private SuccessorUpgrader upgrader;
  /** The factory that made {@link #vertx}, or null for a plain instance; it describes it on the start line. */
  private volatile VertxFactory factory;
  /** When the start's budget ({@code lifecycle.startTimeout}) began: Vert.x's creation, then the application's start. */
  private long startBudgetFrom;

  public LauncherRun(String[] args, QuiesceApplication app) {
    this.args = args.clone();
    this.app = app;
  }

  /** Runs until the application has stopped; returns the exit code. */
  public int run() {
    started = System.nanoTime();
    return readCommandLine()
        .or(this::loadConfiguration)
        .or(this::startVertxAndCoordinator)
        .or(this::tellSystemd)
        .or(this::catchSignals)
        .or(this::startApplication)
        .or(this::announceStart)
        .or(this::tellPredecessor)
        .or(this::watchConfigFile)
        .orElseGet(this::awaitStopAndCloseVertx);
  }

  private static Optional<Integer> goOn() {
    return Optional.empty();
  }

  private static Optional<Integer> exit(int code) {
    return Optional.of(code);
  }

  /** The arguments; a usage error ends the run with 2, {@code --help} with 0 after the usage. */
  private Optional<Integer> readCommandLine() {
    try {
      commandLine = CommandLine.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(CommandLine.USAGE);
      return exit(ExitCodes.USAGE);
    }
    if (commandLine.help()) {
      System.out.println(CommandLine.USAGE);
      return exit(ExitCodes.GRACEFUL);
    }
    return goOn();
  }

  /** Every source, merged and validated; a problem ends the run with 78 before anything binds or spawns. */
  private Optional<Integer> loadConfiguration() {
    try {
      loaded = loadConfig(commandLine.configFile());
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      LOG.error("{}", e.getMessage());
      return exit(ExitCodes.INVALID_CONFIG);
    }
    lifecycle = LifecycleConfig.from(loaded.config());
    return goOn();
  }

  /** Vert.x with every contributor's options, and the coordinator deployed; a failure ends the run with 1. */
  private Optional<Integer> startVertxAndCoordinator() {
    JsonObject config = loaded.config();
    try {
      // the native transport when it loads: listeners can then share their ports with a successor
      VertxOptions options = new VertxOptions().setPreferNativeTransport(true);
      ServiceLoader.load(VertxOptionsContributor.class).forEach(c -> c.contribute(options, config));
      startBudgetFrom = System.nanoTime();
      vertx = createVertx(options, config);
      sharing = ListenerSharing.of(vertx);
      UpgradeHandover handover = UpgradeHandover.of(vertx);
      // an upgrade's successor: what waits for the predecessor (exclusive groups) knows it before it starts
      Handover.predecessorOf(System.getenv()).ifPresent(handover::awaitPredecessor);
      Handover.removeSocketOnceGone(System.getenv(), handover);
      upgrader = new SuccessorUpgrader(args, sharing, handover, UpgradeConfig.from(config));
      ConfigLoader reloader = new ConfigLoader(vertx, commandLine.configFile(), System.getenv(), System.getProperties());
      coordinator = new LifecycleCoordinator(lifecycle)
          .reloadWith(() -> reloader.load().map(LoadedConfig::config))
          .upgradeWith(upgrader)
          .onHalt(this::halt)
          .onStopStarted(deadline -> {
            stopWatchingConfig();
            Watchdog.start(deadline + WATCHDOG_MARGIN_MS + closeAllowance().toMillis(), this::halt);
          });
      await(vertx.deployVerticle(coordinator, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)),
          Duration.ofSeconds(10));
      return goOn();
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      LOG.error("could not start Vert.x and the lifecycle coordinator: {}", cause.getMessage(), e);
      closeVertx(Duration.ofSeconds(2));
      return exit(ExitCodes.STARTUP_FAILURE);
    }
  }

  /**
   * A plain instance, or the one the single {@link VertxFactory} that applies to {@code config} creates,
   * waited for at most {@code lifecycle.startTimeout} (an instance that arrives later is closed).
   */
  private Vertx createVertx(VertxOptions options, JsonObject config) throws Exception {
    List<Map.Entry<VertxFactory, Future<Vertx>>> made = new ArrayList<>();
    for (VertxFactory candidate : ServiceLoader.load(VertxFactory.class)) {
      candidate.create(options, config).ifPresent(f -> made.add(Map.entry(candidate, f)));
    }
    if (made.isEmpty()) {
      return Vertx.vertx(options);
    }
    if (made.size() > 1) {
      made.forEach(e -> e.getValue().onSuccess(Vertx::close));
      throw new IllegalStateException("more than one VertxFactory applies to this configuration: "
          + made.stream().map(e -> e.getKey().getClass().getName()).toList());
    }
    Future<Vertx> creating = made.get(0).getValue();
    try {
      Vertx created = await(creating, lifecycle.startTimeout());
      factory = made.get(0).getKey();
      return created;
    } catch (TimeoutException e) {
      creating.onSuccess(Vertx::close);
      throw new TimeoutException(made.get(0).getKey().getClass().getName() + " did not create Vert.x within"
          + " lifecycle.startTimeout (" + lifecycle.startTimeout().toMillis() + " ms)");
    }
  }

  /**
   * What is left of {@code lifecycle.startTimeout} since Vert.x's creation began (zero when it is spent):
   * the whole start, Vert.x and the application, never takes longer than the one budget.
   */
  private Duration startBudgetLeft() {
    Duration spent = Duration.ofNanos(System.nanoTime() - startBudgetFrom);
    Duration left = lifecycle.startTimeout().minus(spent);
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** Under systemd's {@code Type=notify} ({@code $NOTIFY_SOCKET}) the service's states go to systemd; else nothing. */
  private Optional<Integer> tellSystemd() {
    awaitQuietly(SystemdNotifier.startIfAsked(vertx, System.getenv()), Duration.ofSeconds(5));
    return goOn();
  }

  /** The signal bridge and the JVM shutdown hook: from here on, every trigger reaches the coordinator. */
  private Optional<Integer> catchSignals() {
    SignalBridge bridge = SignalBridge.start(vertx, coordinator, lifecycle.signals(),
        signalsToPassOn(loaded.config()), lifecycle.signalDebounce());
    signals = bridge.installed();
    coordinator.onReload((applied, whole) -> {
      remapSignals(bridge, applied, whole);
      upgrader.configure(UpgradeConfig.from(whole));
      rewatchConfig(applied);
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> onJvmShutdown(lifecycle), "quiesce-shutdown-hook"));
    return goOn();
  }

  /**
   * The application's own start, bounded by what is left of {@code startTimeout} once Vert.x was
   * created (a clustered instance's join counts against the same budget), then the coordinator marked running,
   * which checks the order the participants ask for. A stop that ends first, or a start that fails
   * because a stop began, ends the run with the stop's exit code; any other failure (a participant
   * after a name nobody registered, a cycle among them) stops what did start and ends the run with 1.
   */
  private Optional<Integer> startApplication() {
    try {
      Future<?> given = app.start(new AppContext(vertx, loaded.config(), coordinator));
      Future<?> start = (given == null ? Future.succeededFuture() : given).compose(v -> coordinator.markRunning());
      awaitStartOrStop(start, startBudgetLeft());
      if (!start.isComplete()) {
        // a stop asked for during the start (a signal, say) has finished before the start did
        StopReport report = coordinator.stopped().result();
        int code = ExitCodes.of(report);
        LOG.warn("the stop ({}) ended before the application had finished starting: its start is abandoned",
            report.reason());
        exitCode.set(code);
        closeVertx(CLOSE_GRACE);
        return exit(code);
      }
      if (start.failed()) {
        throw new ExecutionException(start.cause());
      }
      return goOn();
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      if (coordinator.state() == LifecycleState.STOPPING || coordinator.state() == LifecycleState.STOPPED) {
        // a stop asked for during the start: the start's failure is its consequence, not a second trigger
        LOG.info("the application did not finish starting because a stop began: {}", cause.toString());
        StopReport report = awaitQuietly(coordinator.stopped(), lifecycle.shutdownTimeout().plus(CLOSE_GRACE));
        closeVertx(remaining(report));
        return exit(ExitCodes.of(report));
      }
      LOG.error("the application failed to start: {}", cause instanceof TimeoutException
          ? "it did not start within lifecycle.startTimeout (" + lifecycle.startTimeout().toMillis() + " ms, from"
              + " the creation of Vert.x on)" : cause.toString(), cause);
      exitCode.set(ExitCodes.STARTUP_FAILURE);
      coordinator.trigger(LifecycleCommand.STOP, Trigger.STARTUP_FAILURE, String.valueOf(cause.getMessage()));
      awaitQuietly(coordinator.stopped(), lifecycle.shutdownTimeout().plus(CLOSE_GRACE));
      closeVertx(CLOSE_GRACE.multipliedBy(4));
      return exit(ExitCodes.STARTUP_FAILURE);
    }
  }

  /** The start line with the plan and its warnings; none when a stop already runs. */
  private Optional<Integer> announceStart() {
    LifecycleState now = coordinator.state();
    if (now == LifecycleState.STOPPING || now == LifecycleState.STOPPED) {
      LOG.info("the application finished starting while a stop runs: no start line; it stops with the rest");
    } else {
      LOG.info("{}", StartLine.format(ProcessHandle.current().pid(), (System.nanoTime() - started) / 1_000_000,
          loaded.sources(), lifecycle, signals) + "; " + sharing.describe() + StartLine.instance(describeVertx()));
    }
    return goOn();
  }

  /** What the factory that made Vert.x says about it; nothing for a plain instance or when it fails. */
  private VertxFactory.Description describeVertx() {
    if (factory == null) {
      return VertxFactory.Description.NONE;
    }
    try {
      return factory.describe(vertx);
    } catch (RuntimeException e) {
      LOG.warn("{} could not describe the Vert.x it made for the start line: {}", factory.getClass().getName(),
          e.toString());
      return VertxFactory.Description.NONE;
    }
  }

  /**
   * When an {@code upgrade} started this JVM, tells its predecessor it is running and ready (over the
   * handover socket) once what holds the handover is ready too, so the predecessor stops; on a thread
   * of its own, bounded by {@code upgrade.timeout}; never ends the run.
   */
  private Optional<Integer> tellPredecessor() {
    if (coordinator.state() == LifecycleState.RUNNING) {
      Handover.tellPredecessorWhenReady(System.getenv(), UpgradeHandover.of(vertx),
          UpgradeConfig.from(loaded.config()).timeout(), () -> coordinator.state() == LifecycleState.RUNNING);
    }
    return goOn();
  }

  /**
   * With {@code lifecycle.watchConfig}, watches the configuration file: a settled change of its content
   * is a reload ({@link Trigger#CONFIG_FILE}), validated as any reload. Not when a stop already runs;
   * a file that cannot be watched is a warning, never the end of the run.
   */
  private Optional<Integer> watchConfigFile() {
    if (lifecycle.watchConfig()) {
      startWatchingConfig(lifecycle.watchConfigDebounce(), configFingerprint);
    }
    return goOn();
  }

  /** Not once a stop runs (its start ended any watch); a reload that applies during one starts none. */
  private void startWatchingConfig(Duration debounce, String baseline) {
    LifecycleState now = coordinator.state();
    if (now == LifecycleState.STOPPING || now == LifecycleState.STOPPED) {
      return;
    }
    if (!Files.exists(configFile)) {
      LOG.warn("lifecycle.watchConfig is on, but there is no configuration file ({} does not exist): nothing to"
          + " watch", configFile);
      return;
    }
    try {
      Path file = configFile;
      ConfigWatcher watcher = ConfigWatcher.start(file, debounce, baseline,
          () -> coordinator.trigger(LifecycleCommand.RELOAD, Trigger.CONFIG_FILE, "config file changed: " + file));
      if (configWatch.compareAndSet(null, watcher)) {
        LOG.info("watching the config file {} (its directory) for changes: a change reloads after {} ms of quiet",
            file, debounce.toMillis());
        // a stop that began meanwhile found no watcher to end: end this one now
        LifecycleState after = coordinator.state();
        if (after == LifecycleState.STOPPING || after == LifecycleState.STOPPED) {
          stopWatchingConfig();
        }
      } else {
        watcher.close();
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("lifecycle.watchConfig is on, but the directory of {} cannot be watched: {}; reload with SIGHUP"
          + " or the management API instead", configFile, e.toString());
    }
  }

  /** A reload may turn the watch on or off, or change its debounce. */
  private void rewatchConfig(LifecycleConfig applied) {
    ConfigWatcher running = configWatch.get();
    if (!applied.watchConfig()) {
      stopWatchingConfig();
    } else if (running != null) {
      running.debounce(applied.watchConfigDebounce());
    } else {
      startWatchingConfig(applied.watchConfigDebounce(), ConfigWatcher.fingerprint(configFile));
    }
  }

  /** Ends the watch, if one runs: a stop, or a reload that turned {@code watchConfig} off. */
  private void stopWatchingConfig() {
    ConfigWatcher running = configWatch.getAndSet(null);
    if (running != null) {
      running.close();
      LOG.info("no longer watching the config file {}", running.file());
    }
  }

  /** Waits for the stop (however triggered), closes Vert.x within what is left; the report's exit code. */
  private int awaitStopAndCloseVertx() {
    StopReport report = awaitQuietly(coordinator.stopped(), null);
    stopWatchingConfig();
    int code = ExitCodes.of(report);
    exitCode.set(code);
    long closing = System.nanoTime();
    closeVertx(remaining(report));
    LOG.info("Vert.x closed in {} ms; exiting with code {}", (System.nanoTime() - closing) / 1_000_000, code);
    return code;
  }

  /**
   * Waits until the application's start completes (succeeded or failed) or until a stop that began
   * meanwhile (a signal during start-up) has finished, whichever comes first: a stop during start-up
   * is bounded by its deadline, not by {@code startTimeout}.
   *
   * @throws TimeoutException when neither happens within {@code timeout}
   */
  private void awaitStartOrStop(Future<?> start, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    Promise<Void> either = Promise.promise();
    start.onComplete(ar -> either.tryComplete());
    coordinator.stopped().onComplete(ar -> either.tryComplete());
    await(either.future(), timeout);
  }

  private LoadedConfig loadConfig(String file) {
    Vertx bootstrap = Vertx.vertx();
    try {
      ConfigLoader loader = new ConfigLoader(bootstrap, file, System.getenv(), System.getProperties());
      configFile = loader.file();
      // taken before the read: a change after it, before the watch begins, is still seen (at worst twice)
      configFingerprint = ConfigWatcher.fingerprint(configFile);
      return await(loader.load(), Duration.ofSeconds(30));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ConfigException ce) {
        throw ce;
      }
      throw new ConfigException("", "could not read the configuration: " + e.getCause());
    } catch (TimeoutException e) {
      throw new ConfigException("", "reading the configuration took more than 30 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConfigException("", "interrupted while reading the configuration");
    } finally {
      awaitQuietly(bootstrap.close(), Duration.ofSeconds(2));
    }
  }

  private static Set<PosixSignal> signalsToPassOn(JsonObject config) {
    Set<PosixSignal> out = new LinkedHashSet<>();
    for (ConfigSection section : ConfigLoader.discoverSections()) {
      out.addAll(section.signalsToCatch(config));
    }
    return out;
  }

  /** A reload applies {@code lifecycle.signals}, {@code signalDebounce} and the signals to pass on at once. */
  private static void remapSignals(SignalBridge bridge, LifecycleConfig applied, JsonObject whole) {
    SignalBridge.Installed before = bridge.installed();
    SignalBridge.Installed after = bridge.remap(applied.signals(), signalsToPassOn(whole), applied.signalDebounce());
    if (!after.equals(before)) {
      LOG.info("reload: signals now {} (debounce {})", StartLine.signals(after), applied.signalDebounce().toMillis()
          + "ms");
    }
  }

  /** The JVM is shutting down (System.exit elsewhere, or a signal under default handling): stop within the deadline. */
  private void onJvmShutdown(LifecycleConfig lifecycle) {
    LifecycleCoordinator c = coordinator;
    if (c == null || c.state() == LifecycleState.STOPPED) {
      return;
    }
    if (c.state() != LifecycleState.STOPPING) {
      LOG.info("JVM shutdown requested (System.exit or a signal the JVM handled): stopping gracefully");
      c.trigger(LifecycleCommand.STOP, Trigger.SHUTDOWN_HOOK, "JVM shutdown");
    }
    StopReport report = awaitQuietly(c.stopped(), lifecycle.shutdownTimeout().plus(CLOSE_GRACE));
    closeVertx(remaining(report));
  }

  /** Runs the halt hooks of this run's Vert.x (never another's), then halts with the exit code. */
  private void halt() {
    Vertx v = vertx;
    if (v != null) {
      HaltHooks.of(v).runAll();
    }
    LOG.error("halting the JVM with exit code {}", exitCode.get());
    Runtime.getRuntime().halt(exitCode.get());
  }

  /**
   * How long Vert.x may take to close after the stop: what is left of the deadline when every
   * deployment was undeployed; just a short grace when the stop was forced or abandoned a
   * deployment (whose close would never complete).
   */
  private Duration remaining(StopReport report) {
    if (report == null || report.forcedBy().isPresent()
        || report.undeployed().stream().anyMatch(u -> u.outcome() != Outcome.DONE)) {
      return CLOSE_GRACE;
    }
    long left = report.start() + report.deadlineMs() - System.currentTimeMillis();
    return CLOSE_GRACE.plusMillis(Math.max(0, left));
  }

  /** Closes Vert.x, waiting at most {@code bound} plus the factory's {@linkplain #closeAllowance allowance}. */
  private void closeVertx(Duration bound) {
    Vertx v = vertx;
    if (v != null) {
      awaitQuietly(v.close(), bound.plus(closeAllowance()));
    }
  }

  /**
   * What the factory that made Vert.x adds to its close bound (a cluster node's leave); zero for a plain
   * instance, or when the factory fails to say.
   */
  private Duration closeAllowance() {
    VertxFactory f = factory;
    Vertx v = vertx;
    if (f == null || v == null) {
      return Duration.ZERO;
    }
    try {
      Duration allowance = f.closeAllowance(v);
      return allowance == null || allowance.isNegative() ? Duration.ZERO : allowance;
    } catch (RuntimeException e) {
      LOG.warn("{} could not say how long its Vert.x may take to close: {}", f.getClass().getName(), e.toString());
      return Duration.ZERO;
    }
  }

  private static <T> T await(Future<T> future, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The result, or null when it failed or did not come within {@code timeout} (null: no bound). */
  private static <T> T awaitQuietly(Future<T> future, Duration timeout) {
    try {
      return timeout == null ? future.toCompletionStage().toCompletableFuture().get()
          : await(future, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException | TimeoutException e) {
      return null;
    }
  }
}
