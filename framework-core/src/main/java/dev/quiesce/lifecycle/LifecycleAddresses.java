package dev.quiesce.lifecycle;

/**
 * The event-bus addresses of the lifecycle contract (see the project's DESIGN and
 * docs/EVENT-BUS.md). Messages are {@link io.vertx.core.json.JsonObject}s.
 */
public final class LifecycleAddresses {

  /** Request/reply: {@code {"command":"stop"|"drain"|"resume"|"reload"|"status","reason":"…"}}. */
  public static final String COMMANDS = "quiesce.lifecycle";

  /**
   * Publish, from the coordinator: {@code {"phase":"drain","deadline":<epoch ms>,"seq":N,
   * "forced":false}}. Besides the stop phases, the coordinator publishes the steps
   * {@code suspend} (command drain), {@code resume} and {@code reload} (with {@code "config"}).
   */
  public static final String PHASE = "quiesce.lifecycle.phase";

  /** Send, to the coordinator: {@code {"participant":"http","phase":"drain","seq":N,"outcome":"done"|"failed","reason":"…","detail":{…}}}. */
  public static final String ACK = "quiesce.lifecycle.ack";

  /** Publish, from the coordinator: state changes, phase start and end, reload outcomes, the final report. */
  public static final String EVENTS = "quiesce.lifecycle.events";

  /**
   * Request/reply, to the coordinator: {@code {"participant":"http","phases":["announce","drain"]}}
   * registers a participant; {@code {"participant":"http","unregister":true}} removes it.
   */
  public static final String REGISTER = "quiesce.lifecycle.register";

  /** Publish, from the signal bridge: {@code {"signal":"HUP","action":"reload","count":N}} for every OS signal caught. */
  public static final String SIGNALS = "quiesce.signal";

  private LifecycleAddresses() {
  }
}
