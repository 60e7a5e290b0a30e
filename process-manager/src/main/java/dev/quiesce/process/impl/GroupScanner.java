package dev.quiesce.process.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the live (non-zombie) members of process groups by reading /proc, on a worker thread.
 * Requests made within {@link #BATCH_MS} share one scan, so that hundreds of children exiting
 * together cost a few scans, not hundreds. Call on the supervisor's context only.
 */
final class GroupScanner {

  static final long BATCH_MS = 10;

  private final Vertx vertx;
  private final Context context;
  private Promise<Map<Integer, List<ProcStat>>> collecting;

  GroupScanner(Vertx vertx, Context context) {
    this.vertx = vertx;
    this.context = context;
  }

  /** The live members of the group {@code pgid}, as seen by the next scan. */
  Future<List<ProcStat>> members(int pgid) {
    if (collecting == null) {
      Promise<Map<Integer, List<ProcStat>>> batch = Promise.promise();
      collecting = batch;
      vertx.setTimer(BATCH_MS, id -> {
        collecting = null;
        context.<Map<Integer, List<ProcStat>>>executeBlocking(GroupScanner::scan, false).onComplete(batch);
      });
    }
    return collecting.future().map(all -> all.getOrDefault(pgid, List.of()));
  }

  private static Map<Integer, List<ProcStat>> scan() {
    Map<Integer, List<ProcStat>> byGroup = new HashMap<>();
    for (ProcStat s : ProcStat.all()) {
      if (!s.zombie()) {
        byGroup.computeIfAbsent(s.pgrp(), k -> new ArrayList<>()).add(s);
      }
    }
    return byGroup;
  }
}
