package dev.quiesce.example;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded load: {@code clients} threads, each with its own keep-alive JDK HttpClient, sending
 * GETs until stopped, until {@code maxTime} passes or {@code maxRequests} were sent in all.
 */
final class LoadLoop {

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger succeeded = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final List<String> samples = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();

  static LoadLoop start(int port, String path, int clients, Duration maxTime, int maxRequests) {
    LoadLoop loop = new LoadLoop();
    long deadline = System.nanoTime() + maxTime.toNanos();
    URI uri = URI.create("http://127.0.0.1:" + port + path);
    for (int i = 0; i < clients; i++) {
      Thread t = new Thread(() -> {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
        while (loop.running.get() && System.nanoTime() < deadline && loop.sent.incrementAndGet() <= maxRequests) {
          try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
              loop.succeeded.incrementAndGet();
            } else {
              loop.fail("status " + r.statusCode() + ": " + r.body());
            }
          } catch (Exception e) {
            loop.fail(e.toString());
          }
        }
      }, "load-" + i);
      t.setDaemon(true);
      loop.threads.add(t);
      t.start();
    }
    return loop;
  }

  private void fail(String what) {
    failed.incrementAndGet();
    if (samples.size() < 10) {
      samples.add(what);
    }
  }

  void stop() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(15_000);
    }
  }

  int succeeded() {
    return succeeded.get();
  }

  int failures() {
    return failed.get();
  }

  List<String> failureSamples() {
    return List.copyOf(samples);
  }
}
