package dev.quiesce.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * An open-loop load client at a fixed rate (Vert.x HttpClient): request k is due at
 * {@code start + k / rate} whatever happened to the ones before, over at most {@code connections}
 * connections, either kept alive or one per request ({@code Connection: close}). Latency is
 * measured from the moment a request was due, so time spent waiting for a connection counts
 * (no coordinated omission). Every failure is kept with its reason; one whose connection could not
 * be opened ({@link java.net.ConnectException}: refused, or the connect timed out) is also counted
 * as refused. {@link #onThreads} spreads one load over several event loops, one generator each.
 */
final class LoadGen {

  private final Vertx vertx;
  /** Every request is sent and answered on this one event loop; the harness reads the arrays after {@link #stop}. */
  private final io.vertx.core.Context context;
  private final HttpClient client;
  private final int port;
  private final String path;
  private final double ratePerNanos;
  private final int capacity;
  private final long[] due;
  private final long[] ended;
  private final int[] status;
  private final String[] failure;
  private final boolean[] connectFailed;
  private int issued;
  private int completed;
  private long t0;
  private long timer = -1;
  private volatile boolean stopped;

  LoadGen(Vertx vertx, int port, String path, int rate, int connections, boolean keepAlive, int maxSeconds) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.port = port;
    this.path = path;
    this.ratePerNanos = rate / 1e9;
    this.capacity = rate * maxSeconds + 16;
    this.due = new long[capacity];
    this.ended = new long[capacity];
    this.status = new int[capacity];
    this.failure = new String[capacity];
    this.connectFailed = new boolean[capacity];
    this.client = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setKeepAlive(keepAlive).setConnectTimeout(5000).setIdleTimeout(10)
            .setIdleTimeoutUnit(TimeUnit.SECONDS))
        .with(new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1))
        .build();
  }

  /**
   * {@code threads} generators of {@code rate / threads} req/s over {@code connections / threads}
   * connections each, every one on an event loop of its own (a context created from a thread that
   * has none is a new one on the next event loop of {@code vertx}, which needs at least
   * {@code threads} of them): the same load from that many client threads.
   */
  static List<LoadGen> onThreads(Vertx vertx, int threads, int port, String path, int rate, int connections,
      boolean keepAlive, int maxSeconds) throws InterruptedException {
    LoadGen[] gens = new LoadGen[threads];
    for (int i = 0; i < threads; i++) {
      int slot = i;
      Thread t = new Thread(() -> gens[slot] = new LoadGen(vertx, port, path, Math.max(1, rate / threads),
          Math.max(1, connections / threads), keepAlive, maxSeconds), "loadgen-setup-" + i);
      t.start();
      t.join();
    }
    return List.of(gens);
  }

  /** Starts sending (from a Vert.x timer, every millisecond, whatever is due). */
  void start() {
    context.runOnContext(v -> {
      t0 = System.nanoTime();
      timer = vertx.setPeriodic(1, id -> tick());
      tick();
    });
  }

  private void tick() {
    if (stopped) {
      return;
    }
    long now = System.nanoTime();
    long target = (long) ((now - t0) * ratePerNanos) + 1;
    while (issued < target && issued < capacity) {
      int k = issued++;
      due[k] = t0 + (long) (k / ratePerNanos);
      client.request(HttpMethod.GET, port, "127.0.0.1", path)
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(b -> resp.statusCode()))
          .onComplete(ar -> {
            ended[k] = System.nanoTime();
            if (ar.succeeded()) {
              status[k] = ar.result();
              if (ar.result() != 200) {
                failure[k] = "HTTP " + ar.result();
              }
            } else {
              status[k] = -1;
              failure[k] = ar.cause().getClass().getSimpleName() + ": " + ar.cause().getMessage();
              connectFailed[k] = ar.cause() instanceof java.net.ConnectException;
            }
            completed++;
          });
    }
  }

  /** Stops sending; waits (bounded) for the answers still due. */
  void stop(long waitMs) throws Exception {
    stopped = true;
    context.runOnContext(v -> {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    });
    long until = System.nanoTime() + waitMs * 1_000_000;
    while (true) {
      java.util.concurrent.CountDownLatch read = new java.util.concurrent.CountDownLatch(1);
      int[] counts = new int[2];
      context.runOnContext(v -> {
        counts[0] = issued;
        counts[1] = completed;
        read.countDown();
      });
      read.await(5, TimeUnit.SECONDS);
      if (counts[0] == counts[1] || System.nanoTime() > until) {
        break;
      }
      Thread.sleep(50);
    }
    client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** What happened to the requests due in [from, to) (System.nanoTime()). */
  Window window(long from, long to) {
    return window(List.of(this), from, to);
  }

  /** What happened to the requests of all {@code gens} due in [from, to) (System.nanoTime()), together. */
  static Window window(List<LoadGen> gens, long from, long to) {
    long[] lat = new long[gens.stream().mapToInt(g -> g.issued).sum()];
    int n = 0;
    int failed = 0;
    int refused = 0;
    int unanswered = 0;
    Map<String, Integer> reasons = new TreeMap<>();
    for (LoadGen g : gens) {
      for (int k = 0; k < g.issued; k++) {
        if (g.due[k] < from || g.due[k] >= to) {
          continue;
        }
        if (g.ended[k] == 0) {
          unanswered++;
          continue;
        }
        if (g.status[k] != 200) {
          failed++;
          if (g.connectFailed[k]) {
            refused++;
          }
          reasons.merge(g.failure[k] == null ? "?" : g.failure[k], 1, Integer::sum);
          continue;
        }
        lat[n++] = g.ended[k] - g.due[k];
      }
    }
    double p50 = Stats.percentile(lat, n, 0.50) / 1e6;
    double p99 = Stats.percentile(lat, n, 0.99) / 1e6;
    double max = n == 0 ? Double.NaN : lat[n - 1] / 1e6;
    List<String> why = new ArrayList<>();
    reasons.forEach((r, c) -> why.add(c + "× " + r));
    if (unanswered > 0) {
      why.add(unanswered + "× never answered");
    }
    return new Window(n + failed + unanswered, failed + unanswered, refused, p50, p99, max, why);
  }

  /**
   * Writes every request of {@code gens} due in [from, to) to {@code file} as CSV: due (ms after
   * {@code origin}), latency in ms (empty when unanswered), status (-1: no response), failure; in
   * order of due time. For looking at a window request by request (where a stall sits).
   */
  static void writeCsv(List<LoadGen> gens, Path file, long from, long to, long origin) throws IOException {
    List<long[]> rows = new ArrayList<>();
    for (int gi = 0; gi < gens.size(); gi++) {
      LoadGen g = gens.get(gi);
      for (int k = 0; k < g.issued; k++) {
        if (g.due[k] >= from && g.due[k] < to) {
          rows.add(new long[] {g.due[k], gi, k});
        }
      }
    }
    rows.sort((a, b) -> Long.compare(a[0], b[0]));
    List<String> lines = new ArrayList<>();
    lines.add("due_ms,latency_ms,status,failure");
    for (long[] row : rows) {
      LoadGen g = gens.get((int) row[1]);
      int k = (int) row[2];
      lines.add(String.format(Locale.ROOT, "%.3f,%s,%d,%s", (g.due[k] - origin) / 1e6,
          g.ended[k] == 0 ? "" : String.format(Locale.ROOT, "%.3f", (g.ended[k] - g.due[k]) / 1e6), g.status[k],
          g.failure[k] == null ? "" : g.failure[k].replace(',', ';').replace('\n', ' ')));
    }
    Files.write(file, lines);
  }

  /**
   * Requests due in a window: how many, how many failed (or never answered), how many of those
   * failed to connect ({@code refused}, a subset of {@code failed}), latency in ms.
   */
  record Window(int requests, int failed, int refused, double p50, double p99, double max, List<String> reasons) {
  }
}
