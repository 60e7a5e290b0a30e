package dev.quiesce.process.impl;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.lifecycle.EventBusContract.ProcessCommand;
import dev.quiesce.signal.PosixSignal;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers the requests of {@code quiesce.process}: each {@link ProcessCommand}, for a group or one
 * instance of it.
 *
 * <p>Every request is checked in full before anything is done: a body that is not a JSON object,
 * an unknown command or key, a value of the wrong type gets failure code 400; an unknown group or
 * instance 404; {@code start} or {@code restart} while the manager is stopping 409; an internal
 * failure 500. A refused request changes nothing.
 */
public final class Commands {

  public static final int BAD_REQUEST = 400;
  public static final int NOT_FOUND = 404;
  public static final int CONFLICT = 409;
  public static final int INTERNAL = 500;

  private static final List<String> COMMANDS = ProcessCommand.wireNames();
  private static final List<String> KEYS = List.of("command", "group", "instance", "signal");

  private final Supervisor sup;

  public Commands(Supervisor sup) {
    this.sup = sup;
  }

  /** A refused request. */
  static final class Refused extends RuntimeException {
    final int code;

    Refused(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  /** Handles one request and replies to it. */
  public void handle(Message<Object> message) {
    Future<JsonObject> result;
    try {
      result = run(parse(message.body()));
    } catch (Refused r) {
      message.fail(r.code, r.getMessage());
      return;
    } catch (RuntimeException e) {
      message.fail(INTERNAL, "internal failure: " + e);
      return;
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else if (ar.cause() instanceof Refused r) {
        message.fail(r.code, r.getMessage());
      } else {
        message.fail(INTERNAL, String.valueOf(ar.cause().getMessage()));
      }
    });
  }

  /** A checked request. */
  record Request(ProcessCommand command, Group group, Instance instance, PosixSignal signal) {
  }

  Request parse(Object body) {
    JsonObject json = asObject(body);
    ConfigReader keys = ConfigReader.at("", json);
    keys.allowOnly(KEYS);
    if (!keys.problems().isEmpty()) {
      var p = keys.problems().get(0);
      throw new Refused(BAD_REQUEST, "\"" + cut(p.path()) + "\" " + p.message());
    }
    Object c = json.getValue("command");
    if (!(c instanceof String commandName)) {
      throw new Refused(BAD_REQUEST, c == null ? "\"command\" is required; one of " + COMMANDS
          : "\"command\" must be a string, one of " + COMMANDS);
    }
    ProcessCommand command = ProcessCommand.fromWire(commandName).orElseThrow(() -> new Refused(BAD_REQUEST,
        "unknown command \"" + cut(commandName) + "\"; known commands are " + COMMANDS));
    Object g = json.getValue("group");
    if (g != null && !(g instanceof String)) {
      throw new Refused(BAD_REQUEST, "\"group\" must be a string");
    }
    Object i = json.getValue("instance");
    if (i != null && !(i instanceof Integer || i instanceof Long)) {
      throw new Refused(BAD_REQUEST, "\"instance\" must be a whole number");
    }
    Object s = json.getValue("signal");
    if (s != null && command != ProcessCommand.SIGNAL) {
      throw new Refused(BAD_REQUEST, "\"signal\" is used only by the command \"signal\"");
    }
    if (g == null && command.needsGroup()) {
      throw new Refused(BAD_REQUEST, "\"group\" is required by the command \"" + commandName + "\"");
    }
    if (g == null && i != null) {
      throw new Refused(BAD_REQUEST, "\"instance\" needs a \"group\"");
    }
    PosixSignal signal = null;
    if (command == ProcessCommand.SIGNAL) {
      if (!(s instanceof String name)) {
        throw new Refused(BAD_REQUEST, "\"signal\" is required by the command \"signal\" and must be a signal name"
            + " such as \"HUP\"");
      }
      try {
        signal = PosixSignal.parse(name);
      } catch (IllegalArgumentException e) {
        throw new Refused(BAD_REQUEST, "\"signal\": \"" + cut(name) + "\" " + e.getMessage());
      }
    }
    Group group = null;
    Instance instance = null;
    if (g != null) {
      group = sup.group((String) g);
      if (group == null) {
        throw new Refused(NOT_FOUND, "no group \"" + cut((String) g) + "\"; groups are "
            + sup.groups().stream().map(Group::name).toList());
      }
      if (i != null) {
        long n = ((Number) i).longValue();
        if (n < 0 || n >= group.instances().size()) {
          throw new Refused(NOT_FOUND, "group " + group.name() + " has no instance " + n + " (it has "
              + group.instances().size() + ")");
        }
        instance = group.instances().get((int) n);
      }
    }
    return new Request(command, group, instance, signal);
  }

  private Future<JsonObject> run(Request r) {
    if ((r.command() == ProcessCommand.START || r.command() == ProcessCommand.RESTART) && !sup.isRunning()) {
      throw new Refused(CONFLICT, "cannot " + r.command().wireName() + " group " + r.group().name()
          + ": the process manager is stopping");
    }
    if (r.instance() == null && (r.command() == ProcessCommand.START || r.command() == ProcessCommand.STOP
        || r.command() == ProcessCommand.RESTART)) {
      // a command for the whole group is obeyed at once, dependencies ready or not, and ends its wait;
      // one for an instance acts on that instance only: the group keeps waiting and, once its
      // dependencies are ready, starts every instance that does not run yet
      sup.endWait(r.group());
    }
    List<Instance> targets = r.instance() != null ? List.of(r.instance()) : r.group() == null ? List.of()
        : r.group().instances();
    return switch (r.command()) {
      case LIST -> Future.succeededFuture(sup.list());
      case STATUS -> Future.succeededFuture(r.instance() != null
          ? r.instance().status().put("group", r.group().name())
          : r.group() != null ? r.group().status() : sup.list());
      case START -> start(r.group(), r.instance(), targets);
      case STOP -> stop(r.group(), targets);
      case RESTART -> restart(r.group(), targets);
      case SIGNAL -> signal(r.group(), r.signal(), targets);
    };
  }

  private static Future<JsonObject> start(Group group, Instance instance, List<Instance> targets) {
    if (group.isCrashLooping() || instance == null) {
      group.clearCrashLoop();
    }
    List<Future<Void>> started = new ArrayList<>();
    targets.forEach(t -> started.add(t.start()));
    return Future.join(started).map(v -> group.status());
  }

  private static Future<JsonObject> stop(Group group, List<Instance> targets) {
    List<Future<JsonObject>> stopped = new ArrayList<>();
    targets.forEach(t -> stopped.add(t.stop(LadderRun.NO_DEADLINE, false)));
    return Future.join(stopped).map(v -> {
      JsonArray children = new JsonArray();
      stopped.forEach(f -> {
        if (f.succeeded() && f.result() != null) {
          children.add(f.result());
        }
      });
      return new JsonObject().put("group", group.name()).put("children", children);
    });
  }

  private static Future<JsonObject> restart(Group group, List<Instance> targets) {
    if (group.isCrashLooping()) {
      group.clearCrashLoop();
    }
    return group.rollingRestart(targets).map(n -> group.status().put("restarted", n));
  }

  private Future<JsonObject> signal(Group group, PosixSignal signal, List<Instance> targets) {
    JsonArray pids = Group.signal(targets, signal);
    sup.signalled(group, signal, pids, "command");
    return Future.succeededFuture(new JsonObject().put("group", group.name()).put("signal", signal.name())
        .put("pids", pids));
  }

  private static JsonObject asObject(Object body) {
    if (body instanceof JsonObject o) {
      return o;
    }
    String text = body instanceof String s ? s : body instanceof Buffer b ? b.toString() : null;
    if (text != null) {
      try {
        Object parsed = io.vertx.core.json.Json.decodeValue(text);
        if (parsed instanceof JsonObject o) {
          return o;
        }
      } catch (DecodeException e) {
        throw new Refused(BAD_REQUEST, "the body is not JSON: " + cut(e.getMessage()));
      }
    }
    throw new Refused(BAD_REQUEST, "the body must be a JSON object such as {\"command\":\"list\"}, not "
        + (body == null ? "null" : body instanceof JsonArray ? "an array" : body.getClass().getSimpleName()));
  }

  private static String cut(String s) {
    return s == null ? "null" : s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }
}
