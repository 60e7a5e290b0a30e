package dev.quiesce.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs wrk (the Debian package) and reads its summary. */
final class Wrk {

  /** One wrk run: throughput, latency percentiles in milliseconds, errors. */
  record Result(double rps, double p50, double p75, double p90, double p99, long requests, long socketErrors,
      long non2xx, String raw) {

    long errors() {
      return socketErrors + non2xx;
    }
  }

  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
  private static final Pattern PCT = Pattern.compile("^\\s+(50|75|90|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
  private static final Pattern SOCKET = Pattern.compile(
      "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

  private Wrk() {
  }

  /**
   * {@code wrk -t<threads> -c<connections> -d<seconds>s --latency [-H header] url}; bounded: wrk
   * stops by itself after the duration, and is killed 30 s later if it has not.
   */
  static Result run(int threads, int connections, int seconds, String url, List<String> headers, Path log,
      List<String> taskset) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(taskset);
    cmd.addAll(List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency", "--timeout", "5s"));
    for (String h : headers) {
      cmd.add("-H");
      cmd.add(h);
    }
    cmd.add(url);
    Server wrk = Server.start("wrk", cmd, Path.of("."), log, Map.of());
    int rc = wrk.awaitExit(seconds * 1000L + 30_000);
    String out = wrk.logText();
    if (rc != 0) {
      throw new IllegalStateException("wrk failed (" + rc + "):\n" + out);
    }
    return parse(out);
  }

  static Result parse(String out) {
    Matcher m = RPS.matcher(out);
    double rps = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    m = REQUESTS.matcher(out);
    long requests = m.find() ? Long.parseLong(m.group(1)) : 0;
    double[] pct = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    m = PCT.matcher(out);
    while (m.find()) {
      double v = Double.parseDouble(m.group(2));
      double ms = switch (m.group(3)) {
        case "us" -> v / 1000;
        case "s" -> v * 1000;
        default -> v;
      };
      switch (m.group(1)) {
        case "50" -> pct[0] = ms;
        case "75" -> pct[1] = ms;
        case "90" -> pct[2] = ms;
        default -> pct[3] = ms;
      }
    }
    long socket = 0;
    m = SOCKET.matcher(out);
    if (m.find()) {
      for (int i = 1; i <= 4; i++) {
        socket += Long.parseLong(m.group(i));
      }
    }
    m = NON2XX.matcher(out);
    long non2xx = m.find() ? Long.parseLong(m.group(1)) : 0;
    return new Result(rps, pct[0], pct[1], pct[2], pct[3], requests, socket, non2xx, out);
  }
}
