package dev.quiesce.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract.ReloadOutcome;
import dev.quiesce.lifecycle.LifecycleState;
import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The management listener with a real lifecycle coordinator: hardening, control, status, metrics. */
class ManagementTest {

  static final String TOKEN = "s3cret-token-for-tests-0001";

  @RegisterExtension
  final WebFixture fx = new WebFixture();
  private WebClient client;

  @BeforeEach
  void start() {
    client = WebClient.create(fx.vertx);
    fx.deployCoordinator(new JsonObject());
  }

  private void deploy(JsonObject management) {
    JsonObject config = WebFixture.config(new JsonObject(), management);
    fx.deployManagement(config).deployHttp(config);
  }

  private HttpRequest<Buffer> request(HttpMethod method, String path) {
    return client.request(method, fx.managementPort(), "127.0.0.1", path);
  }

  private HttpResponse<Buffer> get(String path) {
    return Await.result(request(HttpMethod.GET, path).send());
  }

  private HttpResponse<Buffer> post(String path, String token, String body) {
    HttpRequest<Buffer> r = request(HttpMethod.POST, path);
    if (token != null) {
      r.putHeader("Authorization", "Bearer " + token);
    }
    return Await.result(body == null ? r.send() : r.sendBuffer(Buffer.buffer(body)));
  }

  private static void assertNoInternals(HttpResponse<Buffer> r) {
    String body = r.bodyAsString() == null ? "" : r.bodyAsString();
    assertThat(body).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("dev.quiesce");
  }

  @Test
  void unknownPathIs404() {
    deploy(new JsonObject());
    HttpResponse<Buffer> r = get("/nope");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("not found");
    assertThat(r.getHeader("Cache-Control")).isEqualTo("no-store");
    assertNoInternals(r);
  }

  @Test
  void wrongMethodIs405AndNamesTheAllowedOne() {
    deploy(new JsonObject().put("token", TOKEN));
    HttpResponse<Buffer> postReady = post("/health/ready", null, null);
    assertThat(postReady.statusCode()).isEqualTo(405);
    assertThat(postReady.getHeader("Allow")).isEqualTo("GET");
    HttpResponse<Buffer> getStop = get("/lifecycle/stop");
    assertThat(getStop.statusCode()).isEqualTo(405);
    assertThat(getStop.getHeader("Allow")).isEqualTo("POST");
    assertThat(fx.coordinator.state()).isEqualTo(LifecycleState.RUNNING);
    assertNoInternals(getStop);
  }

  @Test
  void bodyBeyondTheLimitIs413() {
    deploy(new JsonObject().put("token", TOKEN).put("maxBodySize", 64));
    HttpResponse<Buffer> r = post("/lifecycle/drain", TOKEN, "{\"reason\":\"" + "x".repeat(500) + "\"}");
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(fx.coordinator.state()).isEqualTo(LifecycleState.RUNNING);
    assertNoInternals(r);
  }

  @Test
  void malformedBodyIs400AndChangesNothing() {
    deploy(new JsonObject().put("token", TOKEN));
    HttpResponse<Buffer> r = post("/lifecycle/drain", TOKEN, "{not json");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("error")).contains("JSON object");
    assertThat(post("/lifecycle/drain", TOKEN, "{\"reason\": 42}").statusCode()).isEqualTo(400);
    assertThat(post("/lifecycle/drain", TOKEN, "{\"why\": \"x\"}").statusCode()).isEqualTo(400);
    assertThat(fx.coordinator.state()).isEqualTo(LifecycleState.RUNNING);
    assertNoInternals(r);
  }

  @Test
  void malformedRequestLineIsRejectedWithoutDetail() throws Exception {
    deploy(new JsonObject());
    try (RawHttp raw = new RawHttp(fx.managementPort())) {
      RawHttp.Response r = raw.sendRaw("BOGUS\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body()).doesNotContain("Exception");
    }
  }

  @Test
  void controlWithoutAConfiguredTokenIs403AndSaysHowToEnableIt() {
    deploy(new JsonObject());
    HttpResponse<Buffer> r = post("/lifecycle/stop", "anything-at-all-here", null);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.bodyAsJsonObject().getString("hint")).contains("management.token");
    assertThat(fx.coordinator.state()).isEqualTo(LifecycleState.RUNNING);
  }

  @Test
  void controlWithAWrongOrMissingTokenIs401() {
    deploy(new JsonObject().put("token", TOKEN));
    HttpResponse<Buffer> wrong = post("/lifecycle/stop", TOKEN + "x", null);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.getHeader("WWW-Authenticate")).startsWith("Bearer");
    assertThat(post("/lifecycle/stop", null, null).statusCode()).isEqualTo(401);
    assertThat(post("/lifecycle/stop", "", null).statusCode()).isEqualTo(401);
    assertThat(fx.coordinator.state()).isEqualTo(LifecycleState.RUNNING);
    assertNoInternals(wrong);
  }

  @Test
  void controlWithTheRightTokenIsAcceptedAndRefusalsKeepTheirCode() {
    deploy(new JsonObject().put("token", TOKEN));
    HttpResponse<Buffer> drain = post("/lifecycle/drain", TOKEN, "{\"reason\":\"maintenance\"}");
    assertThat(drain.statusCode()).as(drain.bodyAsString()).isEqualTo(202);
    assertThat(drain.bodyAsJsonObject().getString("state")).isEqualTo("DRAINING");
    Await.until("readiness is down", Duration.ofSeconds(5), () -> get("/health/ready").statusCode() == 503);
    assertThat(get("/health/ready").bodyAsString()).contains("draining");

    HttpResponse<Buffer> resume = post("/lifecycle/resume", TOKEN, null);
    assertThat(resume.statusCode()).isEqualTo(202);
    assertThat(resume.bodyAsJsonObject().getString("state")).isEqualTo("RUNNING");
    Await.until("readiness is up", Duration.ofSeconds(5), () -> get("/health/ready").statusCode() == 200);

    HttpResponse<Buffer> again = post("/lifecycle/resume", TOKEN, null);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.bodyAsJsonObject().getString("error")).contains("not draining");
  }

  @Test
  void statusShowsStateInFlightRequestsAndTheProcessSummary() throws Exception {
    fx.vertx.eventBus().<JsonObject>consumer("quiesce.process", m -> m.reply(new JsonObject()
        .put("groups", new JsonArray().add(new JsonObject().put("name", "worker").put("running", 2)))));
    deploy(new JsonObject());
    try (RawHttp slow = new RawHttp(fx.httpPort())) {
      slow.send("/slow?ms=1000");
      fx.awaitInFlight(1);
      JsonObject status = get("/lifecycle/status").bodyAsJsonObject();
      assertThat(status.getString("state")).isEqualTo("RUNNING");
      assertThat(status.getLong("inFlightRequests")).isEqualTo(1);
      assertThat(status.getJsonArray("participants")).contains("http", "management");
      assertThat(status.getJsonObject("processes").getJsonArray("groups")).hasSize(1);
      assertThat(status.getJsonObject("http").getInteger("port")).isEqualTo(fx.httpPort());
      assertThat(status.containsKey("timeLeftMs")).isTrue();
    }
  }

  @Test
  void statusLeavesOutProcessesWithoutAProcessManager() {
    deploy(new JsonObject());
    HttpResponse<Buffer> r = get("/lifecycle/status");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().containsKey("processes")).isFalse();
  }

  @Test
  void metricsAreExposedAsPrometheusText() {
    deploy(new JsonObject());
    assertThat(Await.result(client.get(fx.httpPort(), "127.0.0.1", "/hello").send()).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsString())
        .contains("quiesce_http_requests_in_flight")
        .contains("quiesce_http_drain_requests_total")
        .contains("quiesce_lifecycle_stops_total{outcome=\"graceful\"}")
        .contains("quiesce_lifecycle_reloads_total")
        .contains("vertx_http_server_requests_total");
  }

  @Test
  void theLifecycleCountersListExactlyTheOutcomesOfTheContract() {
    deploy(new JsonObject());
    String metrics = get("/metrics").bodyAsString();
    assertThat(lines(metrics, "quiesce_lifecycle_stops_total{")).containsExactlyInAnyOrder(
        "quiesce_lifecycle_stops_total{outcome=\"graceful\"} 0.0", "quiesce_lifecycle_stops_total{outcome=\"forced\"} 0.0");
    assertThat(lines(metrics, "quiesce_lifecycle_reloads_total{")).hasSize(ReloadOutcome.values().length);
  }

  private static List<String> lines(String text, String prefix) {
    return text.lines().filter(l -> l.startsWith(prefix)).toList();
  }

  @Test
  void metricsAnswer404WhenDisabled() {
    deploy(new JsonObject().put("metricsEnabled", false));
    HttpResponse<Buffer> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.bodyAsString()).contains("metricsEnabled");
  }

  @Test
  void reloadAppliesANewTokenAtOnce() {
    String next = "another-token-for-tests-0002";
    JsonObject config = WebFixture.config(new JsonObject(), new JsonObject().put("token", TOKEN));
    fx.coordinator.reloadWith(() -> Future.succeededFuture(
        WebFixture.config(new JsonObject(), new JsonObject().put("token", next))));
    List<JsonObject> reloads = new CopyOnWriteArrayList<>();
    fx.vertx.eventBus().<JsonObject>consumer("quiesce.lifecycle.events", m -> {
      if ("reload".equals(m.body().getString("type"))) {
        reloads.add(m.body());
      }
    });
    fx.deployManagement(config).deployHttp(config);
    assertThat(post("/lifecycle/reload", TOKEN, null).statusCode()).isEqualTo(202);
    Await.until("the reload is done", Duration.ofSeconds(10), () -> !reloads.isEmpty());
    assertThat(reloads.get(0).getString("outcome")).as(reloads.get(0).encode()).isEqualTo("done");
    assertThat(post("/lifecycle/drain", TOKEN, null).statusCode()).isEqualTo(401);
    assertThat(post("/lifecycle/drain", next, null).statusCode()).isEqualTo(202);
    assertThat(get("/metrics").bodyAsString()).contains("quiesce_lifecycle_reloads_total{outcome=\"done\"} 1.0");
  }

  @Test
  void reloadWithWaitAnswersWithTheReloadOutcome() {
    JsonObject config = WebFixture.config(new JsonObject(), new JsonObject().put("token", TOKEN));
    fx.coordinator.reloadWith(() -> Future.succeededFuture(config));
    deploy(new JsonObject().put("token", TOKEN));
    HttpResponse<Buffer> r = post("/lifecycle/reload?wait=true", TOKEN, null);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getString("type")).isEqualTo("reload");
    assertThat(r.bodyAsJsonObject().getString("outcome")).isEqualTo("done");
    fx.coordinator.reloadWith(() -> Future.failedFuture(new IllegalStateException("broken file")));
    HttpResponse<Buffer> failed = post("/lifecycle/reload?wait=true&timeout=20s", TOKEN, null);
    assertThat(failed.statusCode()).isEqualTo(200);
    assertThat(failed.bodyAsJsonObject().getString("outcome")).as(failed.bodyAsString()).isEqualTo("failed");
  }

  @Test
  void reloadWithWaitQueuedBehindARunningReloadAnswersWithTheReloadAfterIt() {
    JsonObject config = WebFixture.config(new JsonObject(), new JsonObject().put("token", TOKEN));
    // each reload reads its configuration for 400 ms: the second command comes while the first runs
    fx.coordinator.reloadWith(() -> {
      Promise<JsonObject> read = Promise.promise();
      fx.vertx.setTimer(400, id -> read.complete(config));
      return read.future();
    });
    List<JsonObject> reloads = new CopyOnWriteArrayList<>();
    fx.vertx.eventBus().<JsonObject>consumer("quiesce.lifecycle.events", m -> {
      if ("reload".equals(m.body().getString("type"))) {
        reloads.add(m.body());
      }
    });
    deploy(new JsonObject().put("token", TOKEN));
    assertThat(post("/lifecycle/reload", TOKEN, "{\"reason\":\"first\"}").statusCode()).isEqualTo(202);
    HttpResponse<Buffer> queued = post("/lifecycle/reload?wait=true", TOKEN, "{\"reason\":\"second\"}");
    assertThat(queued.statusCode()).as(queued.bodyAsString()).isEqualTo(200);
    assertThat(queued.bodyAsJsonObject().getString("outcome")).isEqualTo("done");
    assertThat(queued.bodyAsJsonObject().getString("reason")).as("not the running reload's event")
        .isNotEqualTo("first");
    // the HTTP answer and the event to this test's consumer take different ways
    Await.until("both reload events", Duration.ofSeconds(5), () -> reloads.size() >= 2);
    assertThat(reloads).hasSize(2);
  }

  @Test
  void waitIsRefusedWhereItMeansNothingAndChangesNothing() {
    deploy(new JsonObject().put("token", TOKEN));
    HttpResponse<Buffer> drain = post("/lifecycle/drain?wait=true", TOKEN, null);
    assertThat(drain.statusCode()).isEqualTo(400);
    assertThat(drain.bodyAsJsonObject().getString("error")).isEqualTo("wait=true is for stop and reload only, not drain");
    assertThat(post("/lifecycle/stop?wait=yes", TOKEN, null).bodyAsJsonObject().getString("error"))
        .isEqualTo("wait must be true or false, not \"yes\"");
    assertThat(post("/lifecycle/stop?wait=true&timeout=soon", TOKEN, null).statusCode()).isEqualTo(400);
    assertThat(post("/lifecycle/stop?timeout=5s", TOKEN, null).statusCode()).isEqualTo(400);
    // a wait past the listener's idle timeout would be cut off without an answer
    HttpResponse<Buffer> tooLong = post("/lifecycle/stop?wait=true&timeout=3m", TOKEN, null);
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.bodyAsJsonObject().getString("error")).startsWith("timeout is at most 110s");
    assertThat(get("/lifecycle/status").bodyAsJsonObject().getString("state")).isEqualTo(LifecycleState.RUNNING.name());
  }
}
