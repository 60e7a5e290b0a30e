package dev.quiesce.process.impl;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.EventBusContract.ProcessEvent;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/** Publishes the process manager's events on {@link EventBusContract#PROCESS_EVENTS}. Thread-safe. */
final class Events {

  private final EventBus bus;

  Events(EventBus bus) {
    this.bus = bus;
  }

  /** Publishes {@code fields} with {@code "type"} and {@code "at"} (epoch ms) added. */
  void publish(ProcessEvent type, JsonObject fields) {
    JsonObject event = new JsonObject().put("type", type.wireName());
    event.mergeIn(fields);
    event.put("at", System.currentTimeMillis());
    bus.publish(EventBusContract.PROCESS_EVENTS, event, EventBusContract.nodeLocal());
  }

  static JsonObject of(Instance instance) {
    return new JsonObject().put("group", instance.groupName()).put("instance", instance.index());
  }
}
