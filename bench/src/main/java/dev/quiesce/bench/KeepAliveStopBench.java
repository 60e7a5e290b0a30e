package dev.quiesce.bench;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keep-alive clients at a stop (issue 11, section 5): the example application (2 HTTP instances,
 * no children) under a closed-loop load of {@code --clients} threads, each sending {@code GET --path}
 * one after the other over its own kept-alive connection (a plain socket);
 * SIGTERM {@code --term-at} seconds after the load began; each loop goes on until a request fails
 * on a new connection (the listener closed) or the server exits. A request that fails on a
 * connection that already carried a response is an <em>interrupted keep-alive request</em>
 * (target 0); one that fails on a new connection (refused, or reset before any response) is
 * counted apart as <em>refused</em>: its client learns that before anything was served.
 */
final class KeepAliveStopBench {

  static final Set<String> OPTIONS = Set.of("rounds", "clients", "path", "term-at", "port", "mport", "jvm", "out");
  static final Set<String> FLAGS = Set.of();
  private static final String CONFIG = "bench/conf/keepalive-stop.json";

  private KeepAliveStopBench() {
  }

  /** One stop: requests answered, interrupted on a kept-alive connection, refused on a new one; the server's exit. */
  record Run(int round, long answered, long answeredAfterTerm, List<String> interrupted, List<String> refused,
      int exitCode, String outcome, double termToExitMs) {
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 10);
    int clients = o.integer("clients", 8);
    String path = o.string("path", "/work?ms=20");
    int termAt = o.integer("term-at", 5);
    int port = o.integer("port", 18080);
    int mport = o.integer("mport", 18081);
    List<String> jvm = o.list("jvm");
    report.add(String.format(Locale.ROOT, "Server: `java %s -jar %s --config %s` (2 HTTP instances, announce 0 s, drain "
        + "15 s, no child processes). Load: %d client threads, each `GET %s` one after the other over its own kept-alive "
        + "connection (plain socket, HTTP/1.1; a new one after a response with `Connection: close`); SIGTERM %d s after "
        + "the load began; each thread goes on until a "
        + "request fails on a new connection or the server exits. %d rounds, a fresh server each.",
        String.join(" ", jvm), Bench.EXAMPLE_JAR, CONFIG, clients, path, termAt, rounds));
    report.add("");
    List<Run> runs = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
        Run run = once(r, clients, path, termAt, port, mport, jvm, report);
        runs.add(run);
        report.progress(String.format(Locale.ROOT, "round %d: answered %d (%d after TERM) | interrupted keep-alive %d %s "
            + "| refused on new connections %d %s | exit %d %s in %.0f ms", r, run.answered(), run.answeredAfterTerm(),
            run.interrupted().size(), reasons(run.interrupted()), run.refused().size(), reasons(run.refused()),
            run.exitCode(), run.outcome(), run.termToExitMs()));
    }
    summarize(runs, report);
  }

  static Run once(int round, int clients, String path, int termAt, int port, int mport, List<String> jvm,
      Report report) throws Exception {
    Http.requireFree(port, mport);
    Path reportFile = report.file("stop-report-r" + round + ".json").toAbsolutePath();
    List<String> flags = new ArrayList<>(jvm);
    flags.addAll(List.of("-Dquiesce.http.port=" + port, "-Dquiesce.management.port=" + mport,
        "-Dquiesce.lifecycle.reportFile=" + reportFile));
    Server server = Server.java("example-keepalive", flags, List.of("-jar", Bench.EXAMPLE_JAR, "--config", CONFIG),
        Path.of("."), report.file("server-r" + round + ".log"), Map.of());
    try {
      Http.awaitOk(server, mport, "/health/ready", 30_000, 10);
      Http.awaitOk(server, port, "/hello", 30_000, 10);
      Load load = new Load(port, path, clients);
      load.start();
      Thread.sleep(termAt * 1000L);
      load.markTerm();
      server.term();
      int exit = server.awaitExit(40_000);
      double termToExit = (server.exitNanos() - server.signalNanos()) / 1e6;
      load.awaitEnd(10_000);
      JsonObject stop = StopReport.read(reportFile);
      return new Run(round, load.answered.get(), load.answeredAfterTerm.get(), List.copyOf(load.interrupted),
          List.copyOf(load.refused), exit,
          stop == null ? "?" : stop.getString("outcome", "?"), termToExit);
    } finally {
      server.stopQuietly(5000);
    }
  }

  /**
   * The closed-loop load: {@code clients} threads, each with its own kept-alive connection (a
   * plain socket, HTTP/1.1), sending its next request as soon as the previous response is read,
   * as a thread-per-client application does. A connection that answered {@code Connection: close}
   * is closed and the next request goes on a new one. Bounded: at most 100,000 requests a thread;
   * a thread ends at the first failure on a new connection.
   */
  private static final class Load {
    private static final int MAX_PER_CLIENT = 100_000;
    final int port;
    final String path;
    final List<Thread> threads = new ArrayList<>();
    final List<String> interrupted = Collections.synchronizedList(new ArrayList<>());
    final List<String> refused = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong answered = new AtomicLong();
    final AtomicLong answeredAfterTerm = new AtomicLong();
    volatile boolean termSent;
    volatile boolean stop;

    Load(int port, String path, int clients) {
      this.port = port;
      this.path = path;
      for (int i = 0; i < clients; i++) {
        Thread t = new Thread(this::client, "keepalive-client-" + i);
        t.setDaemon(true);
        threads.add(t);
      }
    }

    void start() {
      threads.forEach(Thread::start);
    }

    void markTerm() {
      termSent = true;
    }

    private void client() {
      KeptAlive connection = null;
      for (int n = 0; n < MAX_PER_CLIENT && !stop; n++) {
        boolean fresh = connection == null;
        try {
          if (fresh) {
            connection = new KeptAlive(port);
          }
          boolean close = connection.get(path);
          answered.incrementAndGet();
          if (termSent) {
            answeredAfterTerm.incrementAndGet();
          }
          if (close) {
            connection.close();
            connection = null;
          }
        } catch (IOException | RuntimeException e) {
          String why = e.getClass().getSimpleName() + ": " + e.getMessage();
          boolean reused = connection != null && connection.answered > 0;
          if (connection != null) {
            connection.close();
            connection = null;
          }
          if (reused) {
            interrupted.add(why);
          } else {
            refused.add(why);
            return;
          }
        }
      }
      if (connection != null) {
        connection.close();
      }
    }

    void awaitEnd(long ms) throws InterruptedException {
      long until = System.nanoTime() + ms * 1_000_000;
      for (Thread t : threads) {
        t.join(Math.max(1, (until - System.nanoTime()) / 1_000_000));
      }
      stop = true;
    }
  }

  /** One kept-alive HTTP/1.1 connection on a plain socket; counts the responses it carried. */
  private static final class KeptAlive {
    final Socket socket;
    /** The response bytes as ISO-8859-1 text: header lines by readLine, body lengths in chars = bytes. */
    final BufferedReader in;
    final OutputStream out;
    int answered;

    KeptAlive(int port) throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(20_000);
      in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      out = socket.getOutputStream();
    }

    /** Sends GET {@code path}, reads the whole response; true when it said {@code Connection: close}. */
    boolean get(String path) throws IOException {
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = in.readLine();
      if (status == null) {
        throw new EOFException("connection closed before a response");
      }
      if (!status.startsWith("HTTP/1.1 200")) {
        throw new IOException("unexpected status line: " + status);
      }
      long length = -1;
      boolean chunked = false;
      boolean close = false;
      for (String h = line(); !h.isEmpty(); h = line()) {
        String lower = h.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(lower.substring(15).trim());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          close = true;
        }
      }
      if (chunked) {
        for (long size = Long.parseLong(line().split(";")[0].trim(), 16); size > 0;
            size = Long.parseLong(line().split(";")[0].trim(), 16)) {
          skip(size + 2);
        }
        line();
      } else if (length > 0) {
        skip(length);
      }
      answered++;
      return close;
    }

    /** Skips {@code n} bytes of body (ISO-8859-1: one char a byte). */
    private void skip(long n) throws IOException {
      if (in.skip(n) < n) {
        throw new EOFException("connection closed inside a body");
      }
    }

    private String line() throws IOException {
      String line = in.readLine();
      if (line == null) {
        throw new EOFException("connection closed inside a response");
      }
      return line;
    }

    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

  private static List<String> reasons(List<String> failures) {
    Map<String, Integer> counts = new TreeMap<>();
    failures.forEach(f -> counts.merge(f, 1, Integer::sum));
    List<String> out = new ArrayList<>();
    counts.forEach((reason, n) -> out.add(n + "× " + reason));
    return out;
  }

  private static void summarize(List<Run> runs, Report report) {
    long interrupted = runs.stream().mapToLong(r -> r.interrupted().size()).sum();
    long refused = runs.stream().mapToLong(r -> r.refused().size()).sum();
    long answered = runs.stream().mapToLong(Run::answered).sum();
    long afterTerm = runs.stream().mapToLong(Run::answeredAfterTerm).sum();
    List<String> why = reasons(runs.stream().flatMap(r -> r.interrupted().stream()).toList());
    List<String> whyRefused = reasons(runs.stream().flatMap(r -> r.refused().stream()).toList());
    report.add("| stops | requests answered (after TERM) | interrupted keep-alive requests | target | refused on new "
        + "connections | exit codes | stop outcomes | TERM → exit, ms | verdict |");
    report.add("|---|---|---|---|---|---|---|---|---|");
    report.add(String.format(Locale.ROOT, "| %d | %d (%d) | **%d**%s | 0 | %d%s | %s | %s | %s | %s |", runs.size(),
        answered, afterTerm, interrupted, why.isEmpty() ? "" : " " + why, refused,
        whyRefused.isEmpty() ? "" : " " + whyRefused, runs.stream().map(r -> String.valueOf(r.exitCode())).distinct()
            .toList(), runs.stream().map(Run::outcome).distinct().toList(),
        Stats.of(runs.stream().map(Run::termToExitMs).toList()).fmt(0), interrupted == 0 ? "pass" : "MISS"));
  }
}
