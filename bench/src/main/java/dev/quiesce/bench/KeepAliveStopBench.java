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
 *
 * <p>Its peer, measured in the same run and counted the same way ({@code --servers}, stop by stop
 * alternating): plain Vert.x 5 with graceful shutdown, {@link BareServer} {@code --graceful} (a JVM
 * shutdown hook closes Vert.x; each verticle's {@code stop()} calls {@code httpServer.shutdown(30, SECONDS)}),
 * the best a Vert.x application gets without the framework.
 */
final class KeepAliveStopBench {

  static final Set<String> OPTIONS = Set.of("rounds", "clients", "path", "term-at", "port", "mport", "jvm", "out",
      "servers", "grace");
  static final Set<String> FLAGS = Set.of();
  private static final String CONFIG = "bench/conf/keepalive-stop.json";

  private KeepAliveStopBench() {
  }

  /** The servers stopped: the example application, and its peer, plain Vert.x with graceful shutdown. */
  enum Peer {
    QUIESCE("quiesce", "Quiesce example app"),
    VERTX("vertx", "plain Vert.x 5, `httpServer.shutdown` in `stop()`");

    final String option;
    final String label;

    Peer(String option, String label) {
      this.option = option;
      this.label = label;
    }

    static Peer of(String option) {
      for (Peer p : values()) {
        if (p.option.equals(option.trim())) {
          return p;
        }
      }
      throw new IllegalArgumentException("--servers: unknown server '" + option + "'; known: quiesce, vertx");
    }
  }

  /** One stop: requests answered, interrupted on a kept-alive connection, refused on a new one; the server's exit. */
  record Run(Peer peer, int round, long answered, long answeredAfterTerm, List<String> interrupted,
      List<String> refused, int exitCode, String outcome, double termToExitMs) {
  }

  /** Where and how the servers run: ports, JVM flags, the plain Vert.x server's shutdown grace. */
  record Setup(int port, int mport, List<String> jvm, int graceSeconds) {
  }

  static void run(Options o, Report report) throws Exception {
    int rounds = o.integer("rounds", 10);
    int clients = o.integer("clients", 8);
    String path = o.string("path", "/work?ms=20");
    int termAt = o.integer("term-at", 5);
    Setup setup = new Setup(o.integer("port", 18080), o.integer("mport", 18081), o.list("jvm"),
        o.integer("grace", 30));
    List<Peer> peers = new ArrayList<>();
    for (String name : o.string("servers", "quiesce,vertx").split(",")) {
      peers.add(Peer.of(name));
    }
    String jvm = String.join(" ", setup.jvm());
    report.add(String.format(Locale.ROOT, "Servers, stop by stop alternating: %s. Quiesce: "
        + "`java %s -jar %s --config %s` (2 HTTP instances, announce 0 s, drain 15 s, no child processes). "
        + "Plain Vert.x: `java %s -cp %s %s "
        + "--instances 2 --graceful %d` (the same `/work` route, h2c off; on SIGTERM a shutdown hook closes Vert.x, "
        + "each verticle's `stop()` calls `httpServer.shutdown(%d, SECONDS)`). Load: %d client threads, each `GET %s` "
        + "one after the other over its own kept-alive connection (plain socket, HTTP/1.1; a new one after a response "
        + "with `Connection: close`); SIGTERM %d s after the load began; each thread goes on until a request fails on "
        + "a new connection or the server exits. %d rounds, a fresh server each.",
        peers.stream().map(p -> p.option).toList(), jvm, Bench.EXAMPLE_JAR, CONFIG, jvm, Bench.BENCH_JAR,
        BareServer.class.getName(), setup.graceSeconds(), setup.graceSeconds(), clients, path, termAt, rounds));
    report.add("");
    List<Run> runs = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      for (Peer peer : peers) {
        Run run = once(peer, r, clients, path, termAt, setup, report);
        runs.add(run);
        report.progress(String.format(Locale.ROOT, "round %d %s: answered %d (%d after TERM) | interrupted keep-alive "
            + "%d %s | refused on new connections %d %s | exit %d %s in %.0f ms", r, peer.option, run.answered(),
            run.answeredAfterTerm(), run.interrupted().size(), reasons(run.interrupted()), run.refused().size(),
            reasons(run.refused()), run.exitCode(), run.outcome(), run.termToExitMs()));
      }
    }
    summarize(peers, runs, report);
  }

  static Run once(Peer peer, int round, int clients, String path, int termAt, Setup setup, Report report)
      throws Exception {
    String name = peer.option + "-r" + round;
    Path reportFile = report.file("stop-report-" + name + ".json").toAbsolutePath();
    Server server;
    if (peer == Peer.QUIESCE) {
      Http.requireFree(setup.port(), setup.mport());
      List<String> flags = new ArrayList<>(setup.jvm());
      flags.addAll(List.of("-Dquiesce.http.port=" + setup.port(), "-Dquiesce.management.port=" + setup.mport(),
          "-Dquiesce.lifecycle.reportFile=" + reportFile));
      server = Server.java("example-keepalive", flags, List.of("-jar", Bench.EXAMPLE_JAR, "--config", CONFIG),
          Path.of("."), report.file("server-" + name + ".log"), Map.of());
    } else {
      Http.requireFree(setup.port());
      server = Server.java("vertx-keepalive", setup.jvm(), List.of("-cp", Bench.BENCH_JAR, BareServer.class.getName(),
          "--port", Integer.toString(setup.port()), "--instances", "2", "--graceful",
          Integer.toString(setup.graceSeconds())), Path.of("."), report.file("server-" + name + ".log"), Map.of());
    }
    try {
      if (peer == Peer.QUIESCE) {
        Http.awaitOk(server, setup.mport(), "/health/ready", 30_000, 10);
      }
      Http.awaitOk(server, setup.port(), "/hello", 30_000, 10);
      Load load = new Load(setup.port(), path, clients);
      load.start();
      Thread.sleep(termAt * 1000L);
      load.markTerm();
      server.term();
      int exit = server.awaitExit(setup.graceSeconds() * 1000L + 10_000);
      double termToExit = (server.exitNanos() - server.signalNanos()) / 1e6;
      load.awaitEnd(10_000);
      JsonObject stop = peer == Peer.QUIESCE ? StopReport.read(reportFile) : null;
      String outcome = peer == Peer.QUIESCE ? (stop == null ? "?" : stop.getString("outcome", "?")) : "no stop report";
      return new Run(peer, round, load.answered.get(), load.answeredAfterTerm.get(), List.copyOf(load.interrupted),
          List.copyOf(load.refused), exit, outcome, termToExit);
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

  /** The totals of one server's stops. */
  private record Totals(int stops, long answered, long afterTerm, long interrupted, long refused, Stats termToExit) {

    static Totals of(List<Run> runs) {
      return new Totals(runs.size(), runs.stream().mapToLong(Run::answered).sum(),
          runs.stream().mapToLong(Run::answeredAfterTerm).sum(),
          runs.stream().mapToLong(r -> r.interrupted().size()).sum(),
          runs.stream().mapToLong(r -> r.refused().size()).sum(),
          Stats.of(runs.stream().map(Run::termToExitMs).toList()));
    }
  }

  private static void summarize(List<Peer> peers, List<Run> runs, Report report) {
    report.add("| server | stops | requests answered (after TERM) | interrupted keep-alive requests | target "
        + "| refused on new connections | exit codes | stop outcomes | TERM → exit, ms | verdict |");
    report.add("|---|---|---|---|---|---|---|---|---|---|");
    Map<Peer, Totals> totals = new TreeMap<>();
    for (Peer peer : peers) {
      List<Run> mine = runs.stream().filter(r -> r.peer() == peer).toList();
      Totals t = Totals.of(mine);
      totals.put(peer, t);
      List<String> why = reasons(mine.stream().flatMap(r -> r.interrupted().stream()).toList());
      List<String> whyRefused = reasons(mine.stream().flatMap(r -> r.refused().stream()).toList());
      boolean quiesce = peer == Peer.QUIESCE;
      report.add(String.format(Locale.ROOT, "| %s | %d | %d (%d) | **%d**%s | %s | %d%s | %s | %s | %s | %s |",
          peer.label, t.stops(), t.answered(), t.afterTerm(), t.interrupted(), why.isEmpty() ? "" : " " + why,
          quiesce ? "0" : "(peer)", t.refused(), whyRefused.isEmpty() ? "" : " " + whyRefused,
          mine.stream().map(r -> String.valueOf(r.exitCode())).distinct().toList(),
          mine.stream().map(Run::outcome).distinct().toList(), t.termToExit().fmt(0),
          quiesce ? (t.interrupted() == 0 ? "pass" : "MISS") : "—"));
    }
    Totals q = totals.get(Peer.QUIESCE);
    Totals v = totals.get(Peer.VERTX);
    if (q != null && v != null) {
      report.add("");
      report.add(String.format(Locale.ROOT, "Quiesce against plain Vert.x, same run: interrupted keep-alive requests "
          + "%d vs %d (difference %+d); refused on new connections %d vs %d (%+d); answered after TERM %d vs %d (%+d); "
          + "TERM → exit median %.0f vs %.0f ms (ratio %.2f, difference %+.0f ms).", q.interrupted(), v.interrupted(),
          q.interrupted() - v.interrupted(), q.refused(), v.refused(), q.refused() - v.refused(), q.afterTerm(),
          v.afterTerm(), q.afterTerm() - v.afterTerm(), q.termToExit().median(), v.termToExit().median(),
          q.termToExit().median() / v.termToExit().median(), q.termToExit().median() - v.termToExit().median()));
    }
  }
}
