package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.launcher.ExitCodes;
import dev.quiesce.testing.Await;
import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example's job queue and its {@code cache} group, end to end with the fat jar and real signals:
 * every job accepted before a TERM is finished within the budget or reported as not done by id
 * (never lost), and the group the workers depend on starts before them and stops after them.
 */
@Tag("e2e")
class JobQueueIT {

  @TempDir
  Path dir;

  /**
   * Ten jobs of 300 ms, two at a time, submitted just before TERM: the stop waits for them (most
   * still waiting or running when it begins), every one is done, the exit code is 0. Along the way,
   * the cache group started (and became ready) before either worker, and stopped after both; a HUP
   * before restarted the workers but only signalled the cache ({@code reload: signal:HUP}).
   */
  @Test
  void jobsAcceptedBeforeTermAreAllFinishedAndTheCacheStartsFirstAndStopsLast() throws Exception {
    try (ExampleAppFixture f = ExampleAppFixture.asShipped(dir).start()) {
      Await.until("the workers ready", Duration.ofSeconds(30), () -> ready(f, "workers") == 2);
      f.app.signal("HUP");
      Matcher reload = f.app.awaitLine("reload (done|partial) in \\d+ ms: (.*)$", Duration.ofSeconds(30));
      assertThat(reload.group(1)).as(reload.group(2)).isEqualTo("done");
      assertThat(reload.group(2)).contains("\"participant\":\"jobs\"");
      f.app.awaitLine("cache-0 pid=\\d+: got HUP, reloading", Duration.ofSeconds(10));
      Await.until("the workers ready again", Duration.ofSeconds(30), () -> ready(f, "workers") == 2);
      assertThat(f.app.output().indexOf("group cache instance 0 started")).as("the cache was not restarted")
          .isEqualTo(f.app.output().lastIndexOf("group cache instance 0 started"));
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ids.add(accepted(f.post("/jobs?ms=300")));
      }
      assertThat(new HashSet<>(ids)).hasSize(10);
      JsonObject counts = new JsonObject(f.get("/jobs").body());
      assertThat(counts.getLong("accepted")).isEqualTo(10);
      assertThat(counts.getLong("waiting") + counts.getLong("running") + counts.getLong("done")).isEqualTo(10);

      JvmProcess.Exit exit = f.app.stop("TERM", Duration.ofSeconds(60));
      assertThat(exit.code()).as(f.app.output()).isEqualTo(ExitCodes.GRACEFUL);

      JsonObject jobs = detail(f.report(), "jobs", JobQueueVerticle.PARTICIPANT);
      assertThat(jobs.getLong("accepted")).as(jobs.encode()).isEqualTo(10);
      assertThat(jobs.getLong("done")).as(jobs.encode()).isEqualTo(10);
      assertThat(jobs.getLong("notDone")).isZero();
      assertThat(jobs.getJsonArray("notDoneIds")).isEmpty();
      assertThat(jobs.getLong("pendingAtStop")).as("jobs still to do when the stop began").isPositive();
      assertThat(strings(jobs.getJsonArray("finishedDuringStop"))).hasSize(jobs.getInteger("pendingAtStop"))
          .isSubsetOf(ids);
      JsonObject consumer = detail(f.report(), "jobs", "eventbus:" + JobQueueVerticle.ADDRESS);
      assertThat(consumer.getInteger("aborted")).isZero();
      assertThat(consumer.getInteger("completed")).isEqualTo(jobs.getInteger("pendingAtStop"));
      assertThat(f.app.output()).containsPattern("jobs at the stop: 10 accepted, 10 done, 0 not done");

      assertCacheStartsFirstAndStopsLast(f.app.output(), f.report());
      System.out.printf("job queue at TERM: 10 accepted, %d pending when the stop began, all done in %d ms of the"
          + " jobs phase; TERM -> exit %d ms, code 0; cache started first and stopped last%n",
          jobs.getLong("pendingAtStop"), jobs.getLong("waitedMs"), exit.tookMs());
    }
  }

  /**
   * A queue of capacity 4, two jobs at a time, and a 1 s {@code jobs} phase: two short jobs are done,
   * six of 20 s are taken (two run, four wait), a seventh is refused with 503 and Retry-After. At
   * TERM the six are reported as not done, by id, in the report and the log; done + not done is the
   * number accepted, and the stop counts as forced.
   */
  @Test
  void withAShortBudgetTheJobsLeftAreReportedNotDoneByIdNeverLost() throws Exception {
    ExampleAppFixture f = new ExampleAppFixture(dir);
    f.config.getJsonObject("example").getJsonObject("jobs").put("capacity", 4).put("concurrency", 2);
    f.config.getJsonObject("lifecycle").getJsonArray("phases").stream().map(JsonObject.class::cast)
        .filter(p -> "jobs".equals(p.getString("name"))).forEach(p -> p.put("timeout", "1s"));
    try (f) {
      f.start();
      assertBadRequests(f);
      List<String> shortJobs = List.of(accepted(f.post("/jobs?ms=50")), accepted(f.post("/jobs?ms=50")));
      Await.until("the short jobs done", Duration.ofSeconds(10), () -> jobCount(f, "done") == 2);
      List<String> longJobs = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        longJobs.add(accepted(f.post("/jobs?ms=20000")));
      }
      HttpResponse<String> full = f.post("/jobs?ms=20000");
      assertThat(full.statusCode()).as(full.body()).isEqualTo(503);
      assertThat(full.body()).contains("the job queue is full: 4 waiting (example.jobs.capacity), 2 running");
      assertThat(Long.parseLong(full.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 20L);

      JvmProcess.Exit exit = f.app.stop("TERM", Duration.ofSeconds(60));
      assertThat(exit.code()).as(f.app.output()).isEqualTo(ExitCodes.FORCED);
      assertThat(exit.tookMs()).as("waited for the jobs phase's budget").isGreaterThanOrEqualTo(800)
          .isLessThan(Timing.upTo(20_000L));

      JsonObject report = f.report();
      JsonObject jobs = detail(report, "jobs", JobQueueVerticle.PARTICIPANT);
      assertThat(jobs.getLong("accepted")).as(jobs.encode()).isEqualTo(8);
      assertThat(jobs.getLong("done") + jobs.getLong("notDone")).as("done + not done = accepted")
          .isEqualTo(jobs.getLong("accepted"));
      assertThat(jobs.getLong("done")).isEqualTo(2);
      assertThat(jobs.getLong("refused")).isEqualTo(1);
      assertThat(strings(jobs.getJsonArray("notDoneIds"))).containsExactlyElementsOf(longJobs);
      assertThat(jobs.getJsonArray("finishedDuringStop")).isEmpty();
      assertThat(jobs.getLong("waitedMs")).as("the jobs phase's budget, less the acknowledgement margin")
          .isGreaterThanOrEqualTo(800);
      assertThat(jobs.getBoolean("forced")).isTrue();
      assertThat(detail(report, "jobs", "eventbus:" + JobQueueVerticle.ADDRESS).getInteger("aborted")).isEqualTo(6);
      assertThat(report.getString("outcome")).isEqualTo("forced");
      assertThat(report.getJsonArray("problems").encode()).contains("6 job(s) not done at the end of the jobs phase");
      String output = f.app.output();
      assertThat(output)
          .contains("jobs not done: 6 (the jobs phase's budget ended): " + new JsonArray(longJobs).encode());
      assertThat(shortJobs).allSatisfy(id -> assertThat(output).doesNotContain(id + "\""));
      System.out.printf("job queue with a 1 s jobs phase: 8 accepted, 1 refused (503, Retry-After %s), 2 done, 6 not"
          + " done %s after %d ms of waiting; TERM -> exit %d ms, code 3%n", full.headers().firstValue("Retry-After")
          .orElseThrow(), jobs.getJsonArray("notDoneIds").encode(), jobs.getLong("waitedMs"), exit.tookMs());
    }
  }

  /**
   * A second TERM while the {@code jobs} phase waits: the phase ends at once without the queue's
   * answer (the report shows the participant {@code forced}), and the queue names every job left in
   * its log line right then, not at its 30 s budget.
   */
  @Test
  void aSecondTermDuringTheJobsPhaseStillNamesEveryJobLeft() throws Exception {
    ExampleAppFixture f = new ExampleAppFixture(dir);
    f.config.getJsonObject("lifecycle").getJsonArray("phases").stream().map(JsonObject.class::cast)
        .filter(p -> "jobs".equals(p.getString("name"))).forEach(p -> p.put("timeout", "30s"));
    try (f) {
      f.start();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        ids.add(accepted(f.post("/jobs?ms=20000")));
      }
      long start = System.nanoTime();
      f.app.signal("TERM");
      f.app.awaitLine("phase=jobs begins", Duration.ofSeconds(20));
      f.app.signal("TERM");
      Matcher notDone = f.app.awaitLine("jobs not done: 4 \\(the stop was forced\\): (.*)$", Duration.ofSeconds(10));
      assertThat(notDone.group(1)).isEqualTo(new JsonArray(ids).encode());
      assertThat(f.app.awaitExit(Duration.ofSeconds(30))).isEqualTo(ExitCodes.FORCED);
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(tookMs).as("cut short, not the jobs phase's 30 s").isLessThan(Timing.upTo(15_000L));
      JsonObject jobsPhase = f.report().getJsonArray("phases").stream().map(JsonObject.class::cast)
          .filter(p -> "jobs".equals(p.getString("phase"))).findFirst().orElseThrow();
      assertThat(jobsPhase.getJsonArray("participants").stream().map(JsonObject.class::cast)
          .filter(p -> JobQueueVerticle.PARTICIPANT.equals(p.getString("participant")))
          .map(p -> p.getString("outcome"))).containsExactly("forced");
      assertThat(f.app.output()).containsOnlyOnce("jobs not done:");
    }
  }

  /**
   * Four clients submit jobs as fast as they can (the queue fills up and refuses some with 503) until
   * TERM closes the HTTP server: every 202 a client got is a job the report counts as accepted, and
   * each of them is done or named as not done; no job the report counts was unknown to the clients.
   */
  @Test
  void underASubmissionStormEveryJobAClientWasToldOfIsAccountedFor() throws Exception {
    try (ExampleAppFixture f = new ExampleAppFixture(dir).start()) {
      List<String> ids = new CopyOnWriteArrayList<>();
      AtomicInteger full = new AtomicInteger();
      AtomicInteger stopping = new AtomicInteger();
      List<String> unexpected = new CopyOnWriteArrayList<>();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        Thread client = new Thread(() -> {
          while (true) {
            HttpResponse<String> r;
            try {
              r = f.post("/jobs?ms=30");
            } catch (Exception e) {
              return; // the server closed: the stop has begun
            }
            if (r.statusCode() == 202) {
              ids.add(new JsonObject(r.body()).getString("id"));
            } else if (r.statusCode() == 503 && r.body().startsWith("the job queue is full")) {
              full.incrementAndGet();
            } else if (r.statusCode() == 503 && r.body().contains("stopping")) {
              stopping.incrementAndGet();
            } else {
              unexpected.add(r.statusCode() + " " + r.body());
            }
          }
        }, "client-" + c);
        client.start();
        clients.add(client);
      }
      Await.until("the queue full at least once", Duration.ofSeconds(30), () -> full.get() > 0 && ids.size() > 100);
      f.app.signal("TERM");
      for (Thread t : clients) {
        t.join(Timing.upTo(30_000L));
        assertThat(t.isAlive()).as("a client still submitting after the stop").isFalse();
      }
      int code = f.app.awaitExit(Duration.ofSeconds(60));
      assertThat(unexpected).isEmpty();
      JsonObject jobs = detail(f.report(), "jobs", JobQueueVerticle.PARTICIPANT);
      assertThat(jobs.getLong("accepted")).as("jobs accepted = 202s the clients got; %s", jobs.encode())
          .isEqualTo(ids.size());
      assertThat(jobs.getLong("done") + jobs.getLong("notDone")).isEqualTo(ids.size());
      assertThat(jobs.getLong("refused")).isEqualTo(full.get());
      List<String> named = new ArrayList<>(strings(jobs.getJsonArray("finishedDuringStop")));
      named.addAll(strings(jobs.getJsonArray("notDoneIds")));
      assertThat(named).doesNotHaveDuplicates().isSubsetOf(ids).hasSize(jobs.getInteger("pendingAtStop"));
      assertThat(code).isEqualTo(jobs.getLong("notDone") == 0 ? ExitCodes.GRACEFUL : ExitCodes.FORCED);
      System.out.printf("submission storm: %d jobs accepted (202), %d refused as full, %d refused as stopping;"
          + " %d pending at TERM, %d of them done in %d ms, %d not done; exit %d%n", ids.size(), full.get(),
          stopping.get(), jobs.getLong("pendingAtStop"), jobs.getJsonArray("finishedDuringStop").size(),
          jobs.getLong("waitedMs"), jobs.getLong("notDone"), code);
    }
  }

  private static void assertBadRequests(ExampleAppFixture f) throws Exception {
    for (String ms : List.of("", "abc", "0", "-5", "1.5", "+5", "1e3", "60001", "99999999999", "%20")) {
      HttpResponse<String> r = f.post("/jobs?ms=" + ms);
      assertThat(r.statusCode()).as("ms=%s: %s", ms, r.body()).isEqualTo(400);
      assertThat(r.body()).isEqualTo("ms must be a whole number of milliseconds from 1 to 60000"
          + " (example.jobs.maxDuration), e.g. POST /jobs?ms=250\n");
    }
    assertThat(f.post("/jobs").statusCode()).isEqualTo(400);
    assertThat(jobCount(f, "accepted")).as("no job taken from a bad request").isZero();
  }

  /**
   * From the log: the cache was started and ready before the first worker started; both workers
   * stopped (for the last time) before the cache got TERM. From the report: three children, each exited 0.
   */
  private static void assertCacheStartsFirstAndStopsLast(String output, JsonObject report) {
    int cacheStarted = indexOf(output, "group cache instance 0 started: pid \\d+");
    int cacheReady = indexOf(output, "cache-0 pid=\\d+: cache ready");
    int cacheTerm = indexOf(output, "cache-0 pid=\\d+: got TERM");
    int cacheStopped = indexOf(output, "group cache instance 0 \\(pid \\d+\\) stopped");
    for (int i = 0; i < 2; i++) {
      int started = indexOf(output, "group workers instance " + i + " started: pid \\d+");
      int stopped = lastIndexOf(output, "group workers instance " + i + " \\(pid \\d+\\) stopped");
      assertThat(cacheStarted).as("cache started before worker %d", i).isLessThan(started);
      assertThat(cacheReady).as("cache ready before worker %d started", i).isLessThan(started);
      assertThat(stopped).as("worker %d stopped before the cache got TERM", i).isLessThan(cacheTerm);
    }
    int indexerStarted = lastIndexOf(output, "group indexer instance 0 started: pid \\d+");
    int indexerStopped = lastIndexOf(output, "group indexer instance 0 \\(pid \\d+\\) stopped");
    assertThat(cacheReady).as("cache ready before the indexer started").isLessThan(indexerStarted);
    assertThat(indexerStopped).as("the indexer stopped before the cache got TERM").isLessThan(cacheTerm);
    assertThat(cacheTerm).isLessThan(cacheStopped);
    JsonArray children = report.getJsonArray("children");
    assertThat(children.stream().map(JsonObject.class::cast).map(c -> c.getString("group")))
        .containsExactlyInAnyOrder("workers", "workers", "cache", "indexer");
    assertThat(children.stream().map(JsonObject.class::cast))
        .allSatisfy(c -> assertThat(c.getJsonObject("exit").getInteger("code")).isZero());
  }

  /** Where the last line matching {@code regex} begins (a HUP stopped each worker once before the stop). */
  private static int lastIndexOf(String output, String regex) {
    Matcher m = Pattern.compile(regex).matcher(output);
    int last = -1;
    while (m.find()) {
      last = m.start();
    }
    assertThat(last).as("a line matching %s in:%n%s", regex, output).isNotNegative();
    return last;
  }

  private static int indexOf(String output, String regex) {
    Matcher m = Pattern.compile(regex).matcher(output);
    assertThat(m.find()).as("a line matching %s in:%n%s", regex, output).isTrue();
    return m.start();
  }

  /** The id of an accepted job, asserting the 202. */
  private static String accepted(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getBoolean("accepted")).isTrue();
    return body.getString("id");
  }

  private static long jobCount(ExampleAppFixture f, String key) {
    try {
      return new JsonObject(f.get("/jobs").body()).getLong(key);
    } catch (Exception e) {
      return -1;
    }
  }

  private static int ready(ExampleAppFixture f, String group) {
    try {
      return new JsonObject(f.get("/workers").body()).getJsonArray("groups").stream().map(JsonObject.class::cast)
          .filter(g -> group.equals(g.getString("group"))).findFirst().map(g -> g.getInteger("ready")).orElse(-1);
    } catch (Exception e) {
      return -1;
    }
  }

  /** The detail of {@code participant} in {@code phase} of the report. */
  private static JsonObject detail(JsonObject report, String phase, String participant) {
    return report.getJsonArray("phases").stream().map(JsonObject.class::cast)
        .filter(p -> phase.equals(p.getString("phase"))).findFirst().orElseThrow(() -> new AssertionError(
            "no phase " + phase + " in " + report.encode()))
        .getJsonArray("participants").stream().map(JsonObject.class::cast)
        .filter(o -> participant.equals(o.getString("participant"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + participant + " in " + phase + ": " + report.encode()))
        .getJsonObject("detail");
  }

  private static List<String> strings(JsonArray array) {
    return array.stream().map(String.class::cast).toList();
  }
}
