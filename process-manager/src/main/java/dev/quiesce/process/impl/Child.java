package dev.quiesce.process.impl;

import dev.quiesce.process.impl.ChildLauncher.Spawned;
import io.vertx.core.Context;
import io.vertx.core.Future;

/** One running child process: the leader of its own process group (pid = pgid). */
final class Child {

  final Process process;
  final int pid;
  final long startTime;
  final long startedAt = System.currentTimeMillis();
  /** The value of {@code QUIESCE_CHILD_ID} in its environment, inherited by its descendants. */
  final String id;
  /** Completes with the JDK's exit value (128 + N for a death by signal N), on the supervisor's context. */
  final Future<Integer> exit;

  Child(Spawned spawned, Context context, String id) {
    this.id = id;
    this.process = spawned.process();
    this.pid = spawned.pid();
    this.startTime = spawned.startTime();
    this.exit = Future.fromCompletionStage(process.onExit(), context).map(Process::exitValue);
  }
}
