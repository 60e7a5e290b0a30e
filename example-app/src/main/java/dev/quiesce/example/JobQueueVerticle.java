package dev.quiesce.example;

import dev.quiesce.lifecycle.AckMargin;
import dev.quiesce.lifecycle.DrainingConsumer;
import dev.quiesce.lifecycle.DrainingConsumerOptions;
import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.lifecycle.EventBusContract.LifecycleEvent;
import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.Participant;
import dev.quiesce.lifecycle.Participants;
import dev.quiesce.lifecycle.PhaseContext;
import dev.quiesce.lifecycle.PhaseSpec;
import dev.quiesce.lifecycle.QuiesceEventBus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example's job queue, on the event bus. A job is a message {@code {"ms": N}} sent with
 * {@code request} to {@link #ADDRESS}; the queue takes it (reply {@code {"accepted": true, "id":
 * "job-7", "queued": 3}}) or refuses it ({@code {"accepted": false, "reason": …,
 * "retryAfterSeconds": N}} when {@code example.jobs.capacity} jobs already wait). A job runs for N ms
 * on a timer (no thread is blocked), at most {@code example.jobs.concurrency} at once, in the order
 * taken.
 *
 * <p>The consumer is a {@link QuiesceEventBus#asyncConsumer draining consumer}: each message stays in
 * progress until its job has run, although its sender had the reply "accepted" at once. At a stop,
 * in the phase {@code example.jobs.phase} (by default {@code jobs}, after {@code drain}: HTTP takes
 * no new submission any more), the consumer unregisters (a job sent then fails fast for its sender)
 * and waits, within the phase's budget, for every job taken; the participant {@value #PARTICIPANT}
 * then reports each job taken as done or, by id, as not done (still waiting or running at the end
 * of the budget; those are dropped, and the stop counts as forced): in its detail in the stop
 * report and in one log line. {@code done + notDone == accepted}, always.
 *
 * <p>A forced stop (a second TERM) does not wait for the queue's answer, so the report only shows
 * the participant {@code forced}: the queue then gives up at once and names the jobs left in its log
 * line. {@link #STATUS_ADDRESS} answers {@link #status()} at any time, during a stop too. One instance
 * only; everything runs on its event loop.
 */
final class JobQueueVerticle extends VerticleBase {

  /** Where jobs are submitted: {@code {"ms": N}}. */
  static final String ADDRESS = "example.jobs";
  /** Where the queue's counts are asked for (any body). */
  static final String STATUS_ADDRESS = "example.jobs.status";
  /** The participant that reports the jobs by id at a stop. */
  static final String PARTICIPANT = "jobs";
  /**
   * A job is taken only by its submitter's deadline ({@code takeBy}), which lies this much (at most a
   * quarter of {@code submitTimeout}) before the submitter's request times out.
   */
  static final long TAKE_MARGIN_MS = 250;

  private static final Logger LOG = LoggerFactory.getLogger(JobQueueVerticle.class);

  /** One job taken: its id, its length, and the promise its consumer's message waits for. */
  private static final class Job {
    final String id;
    final long ms;
    final Promise<Void> finished = Promise.promise();
    long timer = -1;
    long endsAt;

    Job(String id, long ms) {
      this.id = id;
      this.ms = ms;
    }
  }

  private final Deque<Job> waiting = new ArrayDeque<>();
  private final Map<String, Job> running = new LinkedHashMap<>();
  private long sequence;
  private long accepted;
  private long done;
  private long notDone;
  private long refused;
  /** Jobs that came after their submitter's deadline ({@code takeBy}): not taken, the client got 503. */
  private long late;
  private JobsConfig settings;
  private boolean stopped;
  private DrainingConsumer<JsonObject> consumer;
  private MessageConsumer<Object> status;
  private MessageConsumer<JsonObject> lifecycleEvents;
  private Participants.Registration registration;

  @Override
  public Future<?> start() {
    settings = ExampleConfig.from(config()).jobs();
    List<String> phases = LifecycleConfig.from(config()).phases().stream().map(PhaseSpec::name).toList();
    if (!phases.contains(settings.phase())) {
      LOG.warn("the job queue drains in phase {}, which lifecycle.phases {} does not have: at a stop it is not"
          + " drained, and the jobs still there when the application closes are logged as not done", settings.phase(),
          phases);
    }
    consumer = QuiesceEventBus.asyncConsumer(vertx, ADDRESS, this::take,
        new DrainingConsumerOptions().setPhase(settings.phase()).setLocalOnly(true));
    status = vertx.eventBus().localConsumer(STATUS_ADDRESS, message -> message.reply(status()));
    lifecycleEvents = vertx.eventBus().localConsumer(EventBusContract.EVENTS, this::onLifecycleEvent);
    return Future.all(consumer.completion(), status.completion(), lifecycleEvents.completion())
        .compose(v -> Participants.register(vertx, new Report()))
        .onSuccess(r -> registration = r);
  }

  /**
   * Undeployed (the {@code close} phase): a queue not drained (its phase is not configured, or the
   * stop was cut short) logs each job still there as not done, so none is lost without a word.
   */
  @Override
  public Future<?> stop() {
    if (!stopped) {
      giveUp("the job queue closed");
    }
    Future<Void> left = registration == null ? Future.succeededFuture() : registration.unregister();
    return Future.all(left, consumer.unregister(), status.unregister().otherwiseEmpty(),
        lifecycleEvents.unregister().otherwiseEmpty());
  }

  /**
   * A forced stop (a second TERM) ends the phase at once, without waiting for this participant's
   * answer, so its detail cannot reach the report: the queue gives up at the first forced phase,
   * logging each job left as not done, by id.
   */
  private void onLifecycleEvent(Message<JsonObject> event) {
    JsonObject e = event.body();
    if (!stopped && e != null && LifecycleEvent.PHASE_START.wireName().equals(e.getValue("type"))
        && Boolean.TRUE.equals(e.getValue("forced"))) {
      giveUp("the stop was forced");
    }
  }

  /**
   * The counts: {@code {"accepted", "waiting", "running", "done", "notDone", "refused", "late", "capacity",
   * "concurrency", "taking"}}.
   */
  JsonObject status() {
    return new JsonObject().put("accepted", accepted).put("waiting", waiting.size()).put("running", running.size())
        .put("done", done).put("notDone", notDone).put("refused", refused).put("late", late)
        .put("capacity", settings.capacity())
        .put("concurrency", settings.concurrency())
        .put("taking", !stopped && consumer.messageConsumer().isRegistered());
  }

  /** The consumer's handler: takes the job (replying at once) and returns what completes when it has run. */
  private Future<?> take(Message<JsonObject> message) {
    Object ms = message.body() == null ? null : message.body().getValue("ms");
    long maxMs = settings.maxDuration().toMillis();
    if (!(ms instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 1
        || n.longValue() > maxMs) {
      return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 400,
          "a job needs {\"ms\": N}, N a whole number from 1 to " + maxMs + " (example.jobs.maxDuration)"));
    }
    if (stopped) {
      return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 503, "the job queue is stopping"));
    }
    Object takeBy = message.body().getValue("takeBy");
    if (takeBy instanceof Number by && System.currentTimeMillis() > by.longValue()) {
      late++;
      return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 503,
          "the job came too late to be taken (its submitter's deadline had passed)"));
    }
    if (waiting.size() >= settings.capacity()) {
      refused++;
      return Future.succeededFuture(new JsonObject().put("accepted", false)
          .put("reason", "the job queue is full: " + waiting.size() + " waiting (example.jobs.capacity), "
              + running.size() + " running")
          .put("retryAfterSeconds", retryAfterSeconds()));
    }
    Job job = new Job("job-" + ++sequence, n.longValue());
    accepted++;
    waiting.add(job);
    message.reply(new JsonObject().put("accepted", true).put("id", job.id).put("queued", waiting.size()));
    runWhatFits();
    return job.finished.future();
  }

  /** Seconds until the first running job ends (a place frees up), at least 1. */
  private long retryAfterSeconds() {
    long now = System.currentTimeMillis();
    long soonest = running.values().stream().mapToLong(j -> j.endsAt - now).min().orElse(0);
    return Math.max(1, (soonest + 999) / 1000);
  }

  private void runWhatFits() {
    while (!stopped && running.size() < settings.concurrency() && !waiting.isEmpty()) {
      Job job = waiting.poll();
      running.put(job.id, job);
      job.endsAt = System.currentTimeMillis() + job.ms;
      job.timer = vertx.setTimer(job.ms, t -> finish(job));
    }
  }

  private void finish(Job job) {
    if (running.remove(job.id) == null) {
      return;
    }
    done++;
    job.finished.complete();
    runWhatFits();
  }

  /** Drops every job still waiting or running, counts and returns them (in the order taken). */
  private List<Job> giveUp(String why) {
    stopped = true;
    List<Job> left = new ArrayList<>(running.values());
    left.addAll(waiting);
    running.clear();
    waiting.clear();
    for (Job job : left) {
      vertx.cancelTimer(job.timer);
      job.finished.tryFail(why + " before job " + job.id + " was done");
    }
    notDone += left.size();
    if (!left.isEmpty()) {
      LOG.warn("jobs not done: {} ({}): {}", left.size(), why, ids(left));
    }
    return left;
  }

  private static JsonArray ids(List<Job> jobs) {
    return new JsonArray(jobs.stream().map(j -> j.id).toList());
  }

  /** Applies a reloaded {@code example.jobs}: capacity, concurrency and the longest job; the phase stays. */
  private void reload(JsonObject config) {
    if (!config.isEmpty()) {
      JobsConfig next = ExampleConfig.from(config).jobs();
      settings = new JobsConfig(next.capacity(), next.concurrency(), next.maxDuration(), next.submitTimeout(),
          settings.phase());
      runWhatFits();
    }
  }

  /**
   * The participant that drains the queue in its phase: it runs the consumer's drain (the same
   * drain the consumer's own participant runs, with the same budget), then reports every job.
   */
  private final class Report implements Participant {

    @Override
    public String name() {
      return PARTICIPANT;
    }

    @Override
    public Set<String> phases() {
      return Set.of(settings.phase());
    }

    @Override
    public Future<JsonObject> onPhase(PhaseContext phase) {
      List<Job> pending = new ArrayList<>(running.values());
      pending.addAll(waiting);
      long budget = phase.forced() ? 0 : AckMargin.usable(phase.remaining().toMillis());
      long waitStart = System.currentTimeMillis();
      return consumer.drain(Duration.ofMillis(budget)).map(drained -> {
        List<Job> left = giveUp("the " + phase.name() + " phase's budget ended");
        List<Job> finished = new ArrayList<>(pending);
        finished.removeAll(left);
        JsonObject detail = new JsonObject().put("accepted", accepted).put("done", done).put("notDone", notDone)
            .put("refused", refused).put("pendingAtStop", pending.size()).put("finishedDuringStop", ids(finished))
            .put("notDoneIds", ids(left)).put("waitedMs", System.currentTimeMillis() - waitStart);
        if (!left.isEmpty()) {
          detail.put("forced", true).put("forcedReason", left.size() + " job(s) not done at the end of the "
              + phase.name() + " phase: " + ids(left).encode());
        }
        LOG.info("jobs at the stop: {} accepted, {} done, {} not done; of the {} pending when it began, done: {},"
            + " not done: {}", accepted, done, notDone, pending.size(), ids(finished).encode(), ids(left).encode());
        return detail;
      });
    }

    @Override
    public Future<JsonObject> onReload(PhaseContext reload) {
      reload(reload.config());
      return Future.succeededFuture(new JsonObject().put("capacity", settings.capacity())
          .put("concurrency", settings.concurrency()));
    }
  }
}
