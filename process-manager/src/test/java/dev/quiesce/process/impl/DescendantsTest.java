package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * How recent the descendants known are: what lets a stop ladder send its first signal without a scan
 * of its own when the periodic scan keeps up (issue 13: the scan happens before the stop, not in it).
 */
class DescendantsTest {

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private Process leader;

  @AfterEach
  void tearDown() throws Exception {
    if (leader != null) {
      leader.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aCompletedScanIsRecentForAsLongAsItsAgeIsUnderTheBoundAndNoScanIsNeverRecent() throws Exception {
    Descendants descendants = new Descendants(context, new Events(vertx.eventBus()),
        LoggerFactory.getLogger(DescendantsTest.class));
    leader = new ProcessBuilder("setsid", "sleep", "30").start();
    int pid = (int) leader.pid();
    long startTime = ProcStat.startTime(pid).orElseThrow();
    Child child = onContext(() -> new Child(new ChildLauncher.Spawned(leader, pid, startTime), context, "test-1"));

    assertThat(onContext(() -> descendants.scannedWithin(Long.MAX_VALUE))).isFalse();
    onContext(() -> {
      descendants.track(child, null);
      return null;
    });
    long before = System.nanoTime();
    onContext(descendants::refresh).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    long age = System.nanoTime() - before;

    assertThat(onContext(() -> descendants.scannedWithin(age + TimeUnit.SECONDS.toNanos(10)))).isTrue();
    assertThat(onContext(() -> descendants.scannedWithin(0))).isFalse();
  }

  private <T> T onContext(Callable<T> what) throws Exception {
    Future<T> result = Future.future(p -> context.runOnContext(v -> {
      try {
        p.complete(what.call());
      } catch (Exception e) {
        p.fail(e);
      }
    }));
    return result.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
