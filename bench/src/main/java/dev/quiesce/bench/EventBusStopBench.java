package dev.quiesce.bench;

import dev.quiesce.lifecycle.DrainingConsumer;
import dev.quiesce.lifecycle.LifecycleCommand;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.LifecycleCoordinator;
import dev.quiesce.lifecycle.QuiesceEventBus;
import dev.quiesce.lifecycle.StopReport;
import dev.quiesce.lifecycle.Trigger;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The event-bus figure of issue 13: N request/reply messages in flight or queued at a stop. One
 * verticle consumes {@value #ADDRESS} with two consumers: one takes every message at once and
 * answers it after 50 ms to {@code --work} ms (in flight), one works on at most {@code --limit}
 * at a time, 100 ms each, and leaves the others in its queue (paused, {@code fetch(1)} per answer).
 * N requests are sent with a send timeout of {@code --timeout} ms and the stop begins
 * {@code --lead} ms after the last was sent. Each sender's answer is classed as a reply, a fast
 * failure (before its timeout) or a wait for its timeout (the timeout itself, or no answer at
 * all by the timeout plus 1 s).
 *
 * <p>Two variants on a fresh Vert.x each, alternating in every round, in the harness's own JVM:
 * {@code quiesce} ({@link QuiesceEventBus#asyncConsumer}, the lifecycle coordinator's stop, then
 * {@code vertx.close()}) and {@code plain} ({@code vertx.eventBus().consumer(…)},
 * {@code vertx.close()}). Stop time: from the stop's start to {@code vertx.close()} completed.
 */
final class EventBusStopBench {

  static final Set<String> OPTIONS = Set.of("rounds", "n", "timeout", "work", "limit", "lead", "budget", "out",
      "jvm");
  static final Set<String> FLAGS = Set.of();
  private static final String ADDRESS = "bench.work";

  private EventBusStopBench() {
  }

  /** What the senders of one stop got. */
  record Run(String variant, int round, int replies, int fastFailures, int waitedForTimeout, int neverAnswered,
      double stopMs, String drainDetail, Map<String, Integer> failureTypes) {

    int waitedOrNever() {
      return waitedForTimeout + neverAnswered;
    }
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 5);
    int n = o.integer("n", 1000);
    int timeout = o.integer("timeout", 5000);
    int work = o.integer("work", 400);
    int limit = o.integer("limit", 20);
    int lead = o.integer("lead", 50);
    String budget = o.string("budget", "5s");
    report.add(String.format(Locale.ROOT, "%d request/reply messages to one address at a stop, send timeout %d ms: "
        + "one consumer answers every message after 50–%d ms, a second works on at most %d at a time (100 ms each), "
        + "the rest queued; the stop begins %d ms after the last send; drain budget %s; %d rounds, "
        + "the variants alternating, a fresh Vert.x each, in the harness's JVM.", n, timeout, work, limit, lead, budget,
        rounds));
    report.add("");
    List<Run> runs = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      List<Boolean> order = r % 2 == 1 ? List.of(true, false) : List.of(false, true);
      for (boolean quiesce : order) {
        Run run = once(quiesce, r, n, timeout, work, limit, lead, budget);
        runs.add(run);
        report.progress(String.format(Locale.ROOT, "round %d %-7s replies %d, fast failures %d, waited for the "
            + "timeout %d, never answered %d, stop %.1f ms, failures by type %s %s", r, run.variant(), run.replies(),
            run.fastFailures(), run.waitedForTimeout(), run.neverAnswered(), run.stopMs(), run.failureTypes(),
            run.drainDetail()));
      }
    }
    report.add("| variant | replies | fast failures | waited for their timeout (or never answered) | stop → "
        + "`vertx.close()` done, ms |");
    report.add("|---|---|---|---|---|");
    for (String variant : List.of("quiesce", "plain")) {
      List<Run> of = runs.stream().filter(x -> x.variant().equals(variant)).toList();
      report.add("| " + variant + " | " + Stats.of(of.stream().map(Run::replies).toList()).fmtFull(0) + " | "
          + Stats.of(of.stream().map(Run::fastFailures).toList()).fmtFull(0) + " | "
          + Stats.of(of.stream().map(Run::waitedOrNever).toList()).fmtFull(0) + " | "
          + Stats.of(of.stream().map(Run::stopMs).toList()).fmtFull(1) + " |");
    }
    report.add("");
    report.add("Medians [p25–p75] (min–max) over the rounds. Failures by type (`ReplyException.failureType()`), by round: "
        + runs.stream().map(x -> x.variant() + " " + x.failureTypes()).toList() + ". The drain's own acknowledgements,"
        + " by round: " + runs.stream().filter(x -> x.variant().equals("quiesce")).map(Run::drainDetail).toList());
  }

  private static Run once(boolean quiesce, int round, int n, int timeout, int work, int limit, int lead,
      String budget) throws Exception {
    Vertx vertx = Vertx.vertx();
    LifecycleCoordinator coordinator = null;
    if (quiesce) {
      JsonObject lifecycle = new JsonObject().put("phases", new JsonArray()
          .add(new JsonObject().put("name", "drain").put("timeout", budget))
          .add(new JsonObject().put("name", "close").put("timeout", "5s")));
      coordinator = new LifecycleCoordinator(LifecycleConfig.from(new JsonObject().put("lifecycle", lifecycle)));
      await(vertx.deployVerticle(coordinator, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)));
      await(coordinator.markRunning());
    }
    await(vertx.deployVerticle(new Consumers(quiesce, work, limit)));

    AtomicInteger replies = new AtomicInteger();
    AtomicInteger fast = new AtomicInteger();
    AtomicInteger waited = new AtomicInteger();
    Map<String, Integer> failureTypes = new ConcurrentSkipListMap<>();
    CountDownLatch answered = new CountDownLatch(n);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeout);
    long firstSend = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long sent = System.nanoTime();
      vertx.eventBus().request(ADDRESS, i, options).onComplete(ar -> {
        if (ar.succeeded()) {
          replies.incrementAndGet();
          answered.countDown();
          return;
        }
        failureTypes.merge(ar.cause() instanceof ReplyException re ? re.failureType().name()
            : ar.cause().getClass().getSimpleName(), 1, Integer::sum);
        if ((System.nanoTime() - sent) / 1_000_000 >= timeout) {
          waited.incrementAndGet();
        } else {
          fast.incrementAndGet();
        }
        answered.countDown();
      });
    }
    Thread.sleep(lead);
    long stop = System.nanoTime();
    String detail = "";
    if (coordinator != null) {
      coordinator.trigger(LifecycleCommand.STOP, Trigger.APPLICATION, "bench");
      StopReport stopReport = await(coordinator.stopped());
      detail = stopReport.phases().get(0).participants().stream().map(p -> p.participant() + p.detail().encode())
          .toList().toString();
    }
    await(vertx.close());
    double stopMs = (System.nanoTime() - stop) / 1e6;
    long allowed = timeout + 1000 - (System.nanoTime() - firstSend) / 1_000_000;
    answered.await(Math.max(0, allowed), TimeUnit.MILLISECONDS);
    int never = (int) answered.getCount();
    return new Run(quiesce ? "quiesce" : "plain", round, replies.get(), fast.get(), waited.get(), never, stopMs,
        detail, new TreeMap<>(failureTypes));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** The two consumers of {@value #ADDRESS}: through Quiesce, or plain Vert.x. */
  private static final class Consumers extends VerticleBase {

    private final boolean quiesce;
    private final int work;
    private final int limit;
    private final SplittableRandom random = new SplittableRandom(13);

    Consumers(boolean quiesce, int work, int limit) {
      this.quiesce = quiesce;
      this.work = work;
      this.limit = limit;
    }

    @Override
    public Future<?> start() {
      Promise<MessageConsumer<Integer>> bounded = Promise.promise();
      MessageConsumer<Integer> queueing;
      Future<Void> ready;
      if (quiesce) {
        DrainingConsumer<Integer> unbounded = QuiesceEventBus.asyncConsumer(vertx, ADDRESS,
            (Message<Integer> m) -> later(50 + random.nextInt(Math.max(1, work - 50)), m.body()));
        DrainingConsumer<Integer> limited = QuiesceEventBus.asyncConsumer(vertx, ADDRESS,
            (Message<Integer> m) -> later(100, m.body()).onComplete(ar -> bounded.future().result().fetch(1)));
        queueing = limited.messageConsumer();
        ready = Future.all(unbounded.completion(), limited.completion()).mapEmpty();
      } else {
        MessageConsumer<Integer> unbounded = vertx.eventBus().consumer(ADDRESS,
            m -> later(50 + random.nextInt(Math.max(1, work - 50)), m.body()).onSuccess(m::reply));
        queueing = vertx.eventBus().consumer(ADDRESS, m -> later(100, m.body()).onSuccess(v -> {
          m.reply(v);
          bounded.future().result().fetch(1);
        }));
        ready = Future.all(unbounded.completion(), queueing.completion()).mapEmpty();
      }
      queueing.pause();
      queueing.fetch(limit);
      bounded.complete(queueing);
      return ready;
    }

    private <R> Future<R> later(long ms, R value) {
      Promise<R> promise = Promise.promise();
      vertx.setTimer(ms, id -> promise.complete(value));
      return promise.future();
    }
  }
}
