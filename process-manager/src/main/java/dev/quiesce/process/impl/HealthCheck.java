package dev.quiesce.process.impl;

import dev.quiesce.process.ProcessGroupConfig;
import dev.quiesce.process.ProcessGroupConfig.Health;
import dev.quiesce.process.ProcessGroupConfig.HealthKind;
import dev.quiesce.process.ProcessGroupConfig.ReadyKind;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ConnectOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The health check of one ready child, as its group's {@code health} says: the first probe
 * {@code startPeriod + interval} after it became ready, then one every {@code interval} after the
 * previous one ended, each bounded by {@code timeout} (a command probe still running then is killed,
 * its process group included; an HTTP request still running is reset, its connection closed). After
 * {@code failures} failed probes in a row the instance is told ({@link Instance#unhealthy}) and the
 * check ends. It also ends when cancelled (the child is being stopped or is gone), and does nothing
 * once its child is no longer the instance's ready child or the terminate phase began. Owns its
 * timers. Runs on the supervisor's context.
 */
final class HealthCheck {

  /** How long a command probe may wait for the spawner thread to start it; its {@code timeout} counts from then. */
  static final long PROBE_START_WAIT_MS = 30_000;

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
    long[] guard = {-1};
    BiConsumer<Long, String> arm = (ms, why) -> {
      if (guard[0] >= 0) {
        ctx.vertx().cancelTimer(guard[0]);
      }
      guard[0] = ctx.vertx().setTimer(Math.max(1, ms), id -> {
        Runnable abort = abortProbe; // taken first: failing the result runs its handlers, which forget it
        if (result.tryFail(why) && abort != null) {
          abort.run();
        }
      });
    };
    Runnable armGuard = () -> arm.accept(timeoutMs, "no answer within " + timeoutMs + " ms");
    if (health.kind() == HealthKind.COMMAND) {
      // the spawner thread only forks, but every wait is bounded: a probe not started by then fails
      arm.accept(PROBE_START_WAIT_MS, "not started within " + PROBE_START_WAIT_MS + " ms (the spawner thread is busy)");
    }
    run(timeoutMs, armGuard).onComplete(ar -> {
      if (ar.succeeded()) {
        result.tryComplete();
      } else {
        result.tryFail(ar.cause());
      }
    });
    result.future().onComplete(ar -> {
      if (guard[0] >= 0) {
        ctx.vertx().cancelTimer(guard[0]);
      }
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

  /**
   * One probe; fails with the reason it failed. Runs {@code armGuard} (the {@code timeout}) when the
   * probe begins: a network probe at once, a command probe once its process exists (its start waits
   * on the spawner thread, not on the worker pool, and the wait is not counted).
   */
  private Future<Void> run(long timeoutMs, Runnable armGuard) {
    if (health.kind() == HealthKind.COMMAND) {
      return command(armGuard);
    }
    armGuard.run();
    return switch (health.kind()) {
      case TCP_PORT -> tcp(timeoutMs);
      case HTTP_GET -> http(timeoutMs);
      case WATCHDOG -> watchdog();
      case COMMAND, NONE -> Future.succeededFuture();
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
    boolean[] aborted = {false};
    abortProbe = () -> aborted[0] = true; // ended before the request existed: reset it as soon as it does
    return ctx.http().request(options)
        .compose(request -> {
          if (aborted[0]) {
            request.reset();
            return Future.failedFuture("ended before the request was sent");
          }
          // at the timeout the request is reset: its connection is closed, whatever the server still sends
          abortProbe = request::reset;
          return request.send().compose(response -> response.body().map(body -> response.statusCode()));
        })
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
   * Runs the command as a child is started ({@link ChildProcesses#startProbe}: its own process group,
   * the parent-death signal, the guardian, killed by a halt), with the group's environment and
   * working directory, its output discarded. Whatever it leaves in its process group is killed when it
   * exits, and the whole group at the timeout, which begins once the process exists.
   */
  private Future<Void> command(Runnable armGuard) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("QUIESCE_GROUP", config.name());
    env.put("QUIESCE_INSTANCE", Integer.toString(instance.index()));
    env.put("QUIESCE_PID", Integer.toString(child.pid));
    if (config.ready().kind() == ReadyKind.TCP_PORT) {
      env.put("QUIESCE_PORT", Integer.toString(config.ready().tcpPort() + instance.index()));
    }
    String what = String.join(" ", health.command());
    boolean[] aborted = {false};
    abortProbe = () -> aborted[0] = true; // ended before it started: kill it as soon as it has
    return ctx.children().startProbe(config, instance.index(), health.command(), env).transform(started -> {
      if (started.failed()) {
        return Future.failedFuture("cannot run " + what + ": " + started.cause().getMessage());
      }
      ChildLauncher.Spawned probe = started.result();
      Process p = probe.process();
      int pgid = probe.pid();
      Runnable killGroup = () -> {
        if (Posix.killpg(pgid, PosixSignal.KILL.number()) == Posix.ESRCH) {
          p.destroyForcibly(); // setsid has not run yet: the group does not exist
        }
      };
      p.onExit().whenComplete((exited, err) -> {
        killGroup.run(); // what the probe left behind in its group
        ctx.children().probeEnded(probe);
      });
      if (aborted[0]) {
        killGroup.run();
        return Future.failedFuture("ended before " + what + " started");
      }
      abortProbe = killGroup;
      armGuard.run();
      return Future.fromCompletionStage(p.onExit(), ctx.context()).transform(exited -> {
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
