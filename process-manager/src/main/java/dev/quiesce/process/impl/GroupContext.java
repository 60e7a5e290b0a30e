package dev.quiesce.process.impl;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.net.NetClient;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;

/**
 * What a {@link Group}, its {@link Instance}s, their {@link LadderRun}s, {@link Readiness} and
 * {@link HealthCheck} checks use of the process manager, given to them explicitly.
 *
 * @param vertx for timers
 * @param context the supervisor's context, where every group runs
 * @param events where the instances' events are published
 * @param children spawns, signals and reaps the child processes
 * @param net the client of {@code ready.tcpPort} and {@code health.tcpPort} checks
 * @param http the client of {@code health.httpGet} checks (no keep-alive: each probe connects anew)
 * @param log the process manager's logger
 * @param running false once the terminate phase began or the JVM halts: nothing starts any more
 * @param becameReady told each time an instance becomes ready: groups waiting for their
 *     {@code dependsOn} may start
 */
record GroupContext(Vertx vertx, Context context, Events events, ChildProcesses children, NetClient net, HttpClient http,
    Logger log, BooleanSupplier running, Runnable becameReady) {

  boolean isRunning() {
    return running.getAsBoolean();
  }
}
