package dev.quiesce.process.impl;

import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessGroupConfig.Health;
import dev.quiesce.process.ProcessGroupConfig.ReadyKind;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ConnectOptions;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The health check of one ready child, as its group's {@code health} says: the first probe
 * {@code startPeriod + interval} after it became ready, then one every {@code interval} after the
 * previous one ended, each bounded by {@code timeout} (a command probe still running then is killed,
 * its process group included). After {@code failures} failed probes in a row the instance is told
 * ({@link Instance#unhealthy}) and the check ends. It also ends when cancelled (the child is being
 * stopped or is gone), and does nothing once its child is no longer the instance's ready child or
 * the terminate phase began. Owns
 * its timers. Runs on the supervisor's context.
 */
final class HealthCheck {

  /** {@code setsid} for command probes, so that a probe leads its own process group and can be killed with it. */
  private static final String SETSID = ChildLauncher.Tools.which("setsid").orElse(null);

  private final GroupContext ctx;
  private final Instance instance;
  private final Child child;
  private final ProcessGroupConfig config;
  private final Health health;
  /** When the child became ready: the watchdog's first period begins here. */
  private final long readyNanos = System.nanoTime();
  private long timer = -1;
  private boolean cancelled;
  private int failuresInRow;
  /** Ends the probe in flight at its timeout (kills a command probe's process group); null when none. */
  private Runnable abortProbe;

  private HealthCheck(GroupContext ctx, Instance instance, Child child, ProcessGroupConfig config) {
    this.ctx = ctx;
    this.instance = instance;
    this.child = child;
    this.config = config;
    this.health = config.health();
  }

  /** Starts watching {@code child}, just ready, with the {@code health} of {@code config} (the one it was started with). */
  static HealthCheck start(GroupContext ctx, Instance instance, Child child, ProcessGroupConfig config) {
    HealthCheck check = new HealthCheck(ctx, instance, child, config);
    check.schedule(config.health().startPeriod().toMillis() + config.health().interval().toMillis());
    return check;
  }

  /** Ends the check: no more probes; a command probe running is killed. */
  void cancel() {
    cancelled = true;
    if (timer >= 0) {
      ctx.vertx().cancelTimer(timer);
      timer = -1;
    }
    if (abortProbe != null) {
      abortProbe.run();
      abortProbe = null;
    }
  }

  private void schedule(long delayMs) {
    timer = ctx.vertx().setTimer(Math.max(1, delayMs), id -> {
      timer = -1;
      probe();
    });
  }

  /**
   * True while probing makes sense: the check was not cancelled, the child is the instance's ready
   * child, and the process manager runs (once the terminate phase began no instance is judged any
   * more: a group waiting for its dependents to stop must not be stopped out of order).
   */
  private boolean watching() {
    return !cancelled && ctx.isRunning() && instance.isReady(child);
  }

  private void probe() {
    if (!watching()) {
      return;
    }
    long timeoutMs = health.timeout().toMillis();
    Promise<Void> result = Promise.promise();
    long guard = ctx.vertx().setTimer(Math.max(1, timeoutMs), id -> {
      Runnable abort = abortProbe; // taken first: failing the result runs its handlers, which forget it
      if (result.tryFail("no answer within " + timeoutMs + " ms") && abort != null) {
        abort.run();
      }
    });
    run(timeoutMs).onComplete(ar -> {
      if (ar.succeeded()) {
        result.tryComplete();
      } else {
        result.tryFail(ar.cause());
      }
    });
    result.future().onComplete(ar -> {
      ctx.vertx().cancelTimer(guard);
      abortProbe = null;
      if (!watching()) {
        return;
      }
      if (ar.succeeded()) {
        failuresInRow = 0;
        schedule(health.interval().toMillis());
        return;
      }
      failuresInRow++;
      String reason = ar.cause().getMessage();
      ctx.log().debug("group {} instance {} (pid {}): {} probe failed ({} of {} in a row): {}", config.name(),
          instance.index(), child.pid, health.kind().configName(), failuresInRow, health.failures(), reason);
      if (failuresInRow >= health.failures()) {
        cancelled = true;
        instance.unhealthy(child, health.kind().configName(), reason, failuresInRow);
      } else {
        schedule(health.interval().toMillis());
      }
    });
  }

  /** One probe; fails with the reason it failed. */
  private Future<Void> run(long timeoutMs) {
    return switch (health.kind()) {
      case TCP_PORT -> tcp(timeoutMs);
      case HTTP_GET -> http(timeoutMs);
      case COMMAND -> command();
      case WATCHDOG -> watchdog();
      case NONE -> Future.succeededFuture();
    };
  }

  private Future<Void> tcp(long timeoutMs) {
    int port = health.tcpPort() + instance.index();
    ConnectOptions options = new ConnectOptions().setHost(health.host()).setPort(port)
        .setTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs));
    return ctx.net().connect(options).transform(ar -> {
      if (ar.succeeded()) {
        ar.result().close();
        return Future.succeededFuture();
      }
      return Future.failedFuture("cannot connect to " + health.host() + ":" + port + ": " + ar.cause().getMessage());
    });
  }

  private Future<Void> http(long timeoutMs) {
    String url = health.httpGetOf(instance.index()).toString();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
        .setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs);
    return ctx.http().request(options)
        .compose(request -> request.send().compose(response -> response.body().map(body -> response.statusCode())))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture("GET " + url + " failed: " + ar.cause().getMessage());
          }
          int status = ar.result();
          return status >= 200 && status < 400 ? Future.succeededFuture()
              : Future.failedFuture("GET " + url + " answered " + status);
        });
  }

  /**
   * Runs the command in its own process group (through {@code setsid}), with the group's environment
   * and working directory, its output discarded. Whatever it leaves in its process group is killed
   * when it exits, and the whole group at the timeout.
   */
  private Future<Void> command() {
    List<String> argv = new ArrayList<>();
    if (SETSID != null) {
      argv.addAll(List.of(SETSID, "--"));
    }
    argv.addAll(health.command());
    ProcessBuilder pb = new ProcessBuilder(argv);
    Map<String, String> env = pb.environment();
    if (!config.inheritEnv()) {
      env.clear();
    }
    env.putAll(config.env());
    env.put("QUIESCE_GROUP", config.name());
    env.put("QUIESCE_INSTANCE", Integer.toString(instance.index()));
    env.put("QUIESCE_PID", Integer.toString(child.pid));
    if (config.ready().kind() == ReadyKind.TCP_PORT) {
      env.put("QUIESCE_PORT", Integer.toString(config.ready().tcpPort() + instance.index()));
    }
    config.cwd().ifPresent(dir -> pb.directory(Path.of(dir).toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    String what = String.join(" ", health.command());
    boolean[] aborted = {false};
    abortProbe = () -> aborted[0] = true; // ended before it started: kill it as soon as it has
    return ctx.vertx().executeBlocking(pb::start, false).transform(started -> {
      if (started.failed()) {
        return Future.failedFuture("cannot run " + what + ": " + started.cause().getMessage());
      }
      Process p = started.result();
      int pgid = (int) p.pid();
      Runnable killGroup = () -> {
        if (Posix.killpg(pgid, PosixSignal.KILL.number()) == Posix.ESRCH) {
          p.destroyForcibly(); // setsid has not run yet: the group does not exist
        }
      };
      if (aborted[0]) {
        killGroup.run();
        return Future.failedFuture("ended before " + what + " started");
      }
      abortProbe = killGroup;
      return Future.fromCompletionStage(p.onExit(), ctx.context()).transform(exited -> {
        killGroup.run(); // what the probe left behind in its group
        int code = p.exitValue();
        return code == 0 ? Future.succeededFuture() : Future.failedFuture(what + " exited with "
            + ExitStatus.toJson(code).encode());
      });
    });
  }

  private Future<Void> watchdog() {
    long ping = instance.lastWatchdogPingNanos();
    long since = ping != 0 && ping - readyNanos > 0 ? ping : readyNanos;
    long silentNanos = System.nanoTime() - since;
    if (silentNanos <= health.watchdog().toNanos()) {
      return Future.succeededFuture();
    }
    return Future.failedFuture("no WATCHDOG=1 for " + TimeUnit.NANOSECONDS.toMillis(silentNanos) + " ms since "
        + (since == readyNanos ? "it became ready" : "the last one") + " (watchdog " + health.watchdog().toMillis()
        + " ms)");
  }
}
