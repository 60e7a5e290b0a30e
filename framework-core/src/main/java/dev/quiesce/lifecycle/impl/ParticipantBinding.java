package dev.quiesce.lifecycle.impl;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.Outcome;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.Participants.Registration;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.lifecycle.Steps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds a {@link Participant} to the phase and acknowledgement addresses. */
public final class ParticipantBinding implements Registration {

  private static final Logger LOG = LoggerFactory.getLogger(ParticipantBinding.class);
  private static final DeliveryOptions REGISTER_TIMEOUT = EventBusContract.nodeLocal().setSendTimeout(5000);

  private final Vertx vertx;
  private final Participant participant;
  private MessageConsumer<JsonObject> consumer;

  private ParticipantBinding(Vertx vertx, Participant participant) {
    this.vertx = vertx;
    this.participant = participant;
  }

  public static Future<Registration> bind(Vertx vertx, Participant participant) {
    ParticipantBinding binding = new ParticipantBinding(vertx, participant);
    binding.consumer = vertx.eventBus().localConsumer(EventBusContract.PHASE, binding::onPhaseMessage);
    JsonObject request = new JsonObject().put("participant", participant.name())
        .put("phases", new JsonArray(participant.phases().stream().sorted().toList()));
    if (!participant.after().isEmpty()) {
      request.put("after", new JsonArray(participant.after().stream().sorted().toList()));
    }
    String deployment = vertx.getOrCreateContext().deploymentID();
    if (participant.retainUntilExit() && deployment != null) {
      request.put("retainDeployment", deployment);
    }
    return binding.consumer.completion()
        .compose(v -> vertx.eventBus().<JsonObject>request(EventBusContract.REGISTER, request, REGISTER_TIMEOUT))
        .<Registration>map(reply -> binding)
        .recover(err -> binding.consumer.unregister().transform(ignored -> Future.failedFuture(
            new IllegalStateException("participant " + participant.name() + " could not register: "
                + err.getMessage(), err))));
  }

  @Override
  public String name() {
    return participant.name();
  }

  @Override
  public Future<Void> unregister() {
    JsonObject request = new JsonObject().put("participant", participant.name()).put("unregister", true);
    Future<Void> told = vertx.eventBus().request(EventBusContract.REGISTER, request, REGISTER_TIMEOUT)
        .<Void>mapEmpty().otherwiseEmpty();
    return told.eventually(() -> consumer.unregister().otherwiseEmpty());
  }

  private void onPhaseMessage(Message<JsonObject> message) {
    PhaseContext phase;
    try {
      phase = PhaseContext.fromJson(message.body());
    } catch (RuntimeException e) {
      LOG.warn("participant {} ignored a malformed phase message: {}", participant.name(), e.getMessage());
      return;
    }
    boolean step = Steps.RESERVED.contains(phase.name());
    if (!step && !participant.phases().contains(phase.name()) || !addressedHere(message.body())) {
      return;
    }
    Future<JsonObject> outcome;
    try {
      outcome = switch (phase.name()) {
        case Steps.RELOAD -> participant.onReload(phase);
        case Steps.SUSPEND -> participant.onSuspend(phase);
        case Steps.RESUME -> participant.onResume(phase);
        default -> participant.onPhase(phase);
      };
      if (outcome == null) {
        outcome = Future.failedFuture(new IllegalStateException("returned null instead of a Future"));
      }
    } catch (Throwable t) {
      LOG.warn("participant {} threw in {}", participant.name(), phase.name(), t);
      outcome = Future.failedFuture(t);
    }
    outcome.onComplete(ar -> {
      JsonObject ack = new JsonObject().put("participant", participant.name()).put("phase", phase.name())
          .put("seq", phase.seq());
      if (ar.succeeded()) {
        ack.put("outcome", Outcome.DONE.wireName()).put("detail", ar.result() == null ? new JsonObject() : ar.result());
      } else {
        ack.put("outcome", Outcome.FAILED.wireName()).put("reason", reasonOf(ar.cause()));
      }
      vertx.eventBus().send(EventBusContract.ACK, ack, EventBusContract.nodeLocal());
    });
  }

  /** A phase published in waves lists whom each message is for; one without the list is for all. */
  private boolean addressedHere(JsonObject phaseMessage) {
    return !(phaseMessage.getValue("participants") instanceof JsonArray to) || to.contains(participant.name());
  }

  static String reasonOf(Throwable t) {
    String message = t.getMessage();
    return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
  }
}
