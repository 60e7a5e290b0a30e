package dev.quiesce.lifecycle;

import dev.quiesce.lifecycle.impl.DrainingNetServerImpl;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;

/**
 * A TCP server that drains at a stop: a Vert.x {@link NetServer} that is a {@link Participant} of
 * its phase ({@code drain} by default, {@link DrainingNetServerOptions}). Make it where you would
 * call {@code vertx.createNetServer(…)}, usually in a verticle's {@code start}:
 *
 * <pre>{@code
 * DrainingNetServer server = DrainingNetServer.create(vertx, new NetServerOptions().setPort(7000), socket -> {
 *   socket.handler(frame -> answer(socket, frame));
 *   // "the end is near": finish the frame in hand, say goodbye, close
 *   socket.shutdownHandler(v -> closeAtNextFrameBoundary(socket));
 * });
 * return server.listen();
 * }</pre>
 *
 * <p>In its phase it
 * <ol>
 *   <li>stops accepting: the listening socket closes at once (with Vert.x's
 *       {@link NetServer#shutdown(long, java.util.concurrent.TimeUnit)}), so new connections are
 *       refused, unless another server of the process still listens on the port;</li>
 *   <li>tells each open connection that the end is near: Vert.x calls the
 *       {@link NetSocket#shutdownHandler(Handler) shutdownHandler} the application set on it, which
 *       should close the connection at a protocol boundary. A connection without one is left as
 *       it is until the budget ends (Vert.x does not close it earlier);</li>
 *   <li>waits, within the phase's budget (less the acknowledgement margin, {@link AckMargin}), for
 *       the connections to close, by the application or by the peer;</li>
 *   <li>closes the connections still open at the end of the budget and acknowledges with
 *       {@code {"port":N,"connections":N,"finished":N,"closedAtBudget":N,"waitedMs":N}}:
 *       {@code connections} counts those open when the drain began (and any accepted just after),
 *       always {@code finished + closedAtBudget}; with {@code closedAtBudget > 0} also
 *       {@code "forced": true} and a {@code "forcedReason"}, so the stop counts as forced (exit code
 *       3) and the report names the server. A forced stop waits for nothing: every connection is
 *       closed at once.</li>
 * </ol>
 *
 * <p>The sockets handed to the connect handler are the server's own, tracked: set
 * {@code closeHandler} and {@code shutdownHandler} on them as usual (the drain keeps its own
 * close tracking apart from the application's handler). The {@code drain} command (suspend) and
 * {@code resume} leave the server listening.
 *
 * <p><b>A server given up before a stop must be {@linkplain #close() closed} through this
 * interface</b> (e.g. in the {@code stop()} of the verticle that made it): undeploying the
 * verticle closes the Vert.x server but does not take the participant off the coordinator, and the
 * next stop would wait for it for its phase's whole budget.
 */
public interface DrainingNetServer {

  /**
   * A draining server with the default {@link DrainingNetServerOptions}.
   *
   * @param vertx the Vert.x instance the server runs on
   * @param options the Vert.x server options (port, host, TLS …)
   * @param connectHandler called with each accepted connection
   * @return the server, not yet listening
   */
  static DrainingNetServer create(Vertx vertx, NetServerOptions options, Handler<NetSocket> connectHandler) {
    return create(vertx, options, connectHandler, new DrainingNetServerOptions());
  }

  /**
   * A draining server with a name, phase or {@code after} of its own.
   *
   * @param vertx the Vert.x instance the server runs on
   * @param options the Vert.x server options (port, host, TLS …)
   * @param connectHandler called with each accepted connection
   * @param drain its name, phase and {@code after}
   * @return the server, not yet listening
   */
  static DrainingNetServer create(Vertx vertx, NetServerOptions options, Handler<NetSocket> connectHandler,
      DrainingNetServerOptions drain) {
    return new DrainingNetServerImpl(vertx, options, connectHandler, drain);
  }

  /**
   * Listens on the port and host of its {@link NetServerOptions}, then registers the participant
   * with the coordinator (on the caller's context, as {@link Participants#register}). Fails when
   * the port cannot be bound or the coordinator does not answer within 5 s or refuses the name; the
   * server is then closed. Call it once.
   *
   * @return this server, once it listens and is registered
   */
  Future<DrainingNetServer> listen();

  /**
   * The port it listens on (the one bound, for port 0).
   *
   * @return the port; 0 before {@link #listen()} succeeded
   */
  int actualPort();

  /**
   * The participant's name in the stop report; known once {@link #listen()} bound the port.
   *
   * @return the name
   */
  String name();

  /**
   * The stop phase in which it drains.
   *
   * @return the phase
   */
  String phase();

  /**
   * The connections open now.
   *
   * @return their number
   */
  int connections();

  /**
   * Drains now, as the phase does: stops accepting, tells the open connections, waits at most
   * {@code budget} for them to close, closes the others and gives the detail described above.
   * Called again (or by the phase after a call), returns the same future. Never fails.
   *
   * @param budget the longest it waits for the connections to close
   * @return the detail, once every connection is closed
   */
  Future<JsonObject> drain(Duration budget);

  /**
   * Closes the server and its connections at once and takes the participant off the coordinator.
   * Never fails.
   *
   * @return completes when the server is closed and the participant unregistered
   */
  Future<Void> close();
}
