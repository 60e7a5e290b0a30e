package dev.quiesce.process.impl;

import dev.quiesce.lifecycle.impl.StopWarmup;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The process manager's part of the stop rehearsal ({@link StopWarmup}): the classes of the stop
 * ladders and of the terminate phase's acknowledgement, and that acknowledgement built for 200
 * made-up children. Touches no process and no state.
 */
public final class ProcessStopWarmup implements StopWarmup {

  private static final int CHILDREN = 200;
  /** Nested classes of the stop, named: they are private. */
  static final String[] NAMED_CLASSES = {"dev.quiesce.process.impl.OrderedStop$Slice"};

  @Override
  public void rehearse() {
    StopWarmup.load(OrderedStop.class, LadderRun.class, TerminateDetail.class, ExitStatus.class, Reaped.class,
        DependencyGraph.class);
    StopWarmup.load(ProcessStopWarmup.class.getClassLoader(), NAMED_CLASSES);
    List<JsonObject> children = new ArrayList<>();
    for (int i = 0; i < CHILDREN; i++) {
      JsonObject exit = i % 2 == 0 ? ExitStatus.toJson(0) : ExitStatus.toJson(128 + 15);
      Future<Reaped> reaped = Future.succeededFuture(new Reaped(0, new JsonArray()));
      children.add(Reaped.putInto(new JsonObject().put("group", "rehearsal").put("instance", i).put("exit", exit)
          .put("forced", ExitStatus.isSuccess(exit)), reaped));
    }
    TerminateDetail.of(children, 1000).encode();
  }
}
