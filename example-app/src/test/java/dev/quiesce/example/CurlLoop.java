package dev.quiesce.example;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A curl-like load: {@code clients} threads, each sending {@code GET path} on a new connection per request
 * ({@code Connection: close}), never retrying, until stopped, {@code maxTime} passed or {@code maxRequests}
 * were sent. Records every answer's {@code X-Pid} and body, and every failure (refused, reset, a status
 * other than 200).
 */
final class CurlLoop {

  record Answer(long pid, String body) {
  }

  private static final Pattern PID = Pattern.compile("(?i)\r\nX-Pid: (\\d+)\r\n");

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger sent = new AtomicInteger();
  private final List<Answer> answers = new CopyOnWriteArrayList<>();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();

  static CurlLoop start(int port, String path, int clients, Duration maxTime, int maxRequests) {
    CurlLoop loop = new CurlLoop();
    long deadline = System.nanoTime() + maxTime.toNanos();
    byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < clients; i++) {
      Thread t = new Thread(() -> {
        while (loop.running.get() && System.nanoTime() < deadline && loop.sent.incrementAndGet() <= maxRequests) {
          loop.once(port, request);
        }
      }, "curl-" + i);
      t.setDaemon(true);
      loop.threads.add(t);
      t.start();
    }
    return loop;
  }

  private void once(int port, byte[] request) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request);
      out.flush();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      int end = response.indexOf("\r\n\r\n");
      if (!response.startsWith("HTTP/1.1 200 ") || end < 0) {
        failures.add("answer: " + response.lines().findFirst().orElse("(empty)"));
        return;
      }
      Matcher m = PID.matcher(response.substring(0, end + 2));
      answers.add(new Answer(m.find() ? Long.parseLong(m.group(1)) : -1, response.substring(end + 4)));
    } catch (IOException e) {
      failures.add(e.toString());
    }
  }

  void stop() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(15_000);
    }
  }

  List<Answer> answers() {
    return List.copyOf(answers);
  }

  List<String> failures() {
    return List.copyOf(failures);
  }
}
