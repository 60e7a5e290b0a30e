package dev.quiesce.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads the execution samples of a JFR recording ({@code jdk.ExecutionSample}) and prints where
 * the CPU went: top frames by self time, top frames by total (inclusive) time, and the share of
 * samples whose stack contains a frame of a given package (default {@code dev.quiesce}).
 *
 * <pre>bench/run.sh jfr-top FILE.jfr [--frames 25] [--filter dev.quiesce] [--thread vert.x-eventloop]
 *       [--from EPOCH_MS] [--to EPOCH_MS]</pre>
 */
final class JfrTop {

  private JfrTop() {
  }

  static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: bench/run.sh jfr-top FILE.jfr [--frames N] [--filter PREFIX] [--thread PREFIX]"
          + " [--from EPOCH_MS] [--to EPOCH_MS] [--event jdk.ExecutionSample] [--attribute PREFIX [--except PREFIX]] [--unit FRAME]");
      System.exit(2);
    }
    Path file = Path.of(args[0]);
    int frames = 25;
    String filter = "dev.quiesce";
    String thread = null;
    long from = Long.MIN_VALUE;
    long to = Long.MAX_VALUE;
    String eventName = "jdk.ExecutionSample";
    String attribute = null;
    String unit = null;
    String except = null;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--frames" -> frames = Integer.parseInt(args[++i]);
        case "--filter" -> filter = args[++i];
        case "--thread" -> thread = args[++i];
        case "--from" -> from = Long.parseLong(args[++i]);
        case "--to" -> to = Long.parseLong(args[++i]);
        case "--event" -> eventName = args[++i];
        case "--attribute" -> attribute = args[++i];
        case "--except" -> except = args[++i];
        case "--unit" -> unit = args[++i];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> total = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    Map<String, Integer> attributed = new HashMap<>();
    int attributedSamples = 0;
    int samples = 0;
    int matching = 0;
    Instant first = null;
    Instant last = null;
    try (RecordingFile rf = new RecordingFile(file)) {
      while (rf.hasMoreEvents()) {
        RecordedEvent e = rf.readEvent();
        if (!e.getEventType().getName().equals(eventName)) {
          continue;
        }
        long at = e.getStartTime().toEpochMilli();
        if (at < from || at > to) {
          continue;
        }
        String tname = threadName(e);
        if (thread != null && (tname == null || !tname.startsWith(thread))) {
          continue;
        }
        RecordedStackTrace st = e.getStackTrace();
        if (st == null || st.getFrames().isEmpty()) {
          continue;
        }
        samples++;
        first = first == null ? e.getStartTime() : first;
        last = e.getStartTime();
        threads.merge(tname == null ? "?" : tname.replaceAll("-\\d+$", "-N"), 1, Integer::sum);
        List<RecordedFrame> fs = st.getFrames();
        self.merge(name(fs.get(0)), 1, Integer::sum);
        java.util.Set<String> seen = new java.util.HashSet<>();
        boolean ours = false;
        for (RecordedFrame f : fs) {
          String n = name(f);
          if (seen.add(n)) {
            total.merge(n, 1, Integer::sum);
          }
          if (n.startsWith(filter)) {
            ours = true;
          }
        }
        if (ours) {
          matching++;
        }
        if (attribute != null) {
          // the innermost frame of `attribute` (not of `except`) nearer the leaf than any `except` frame:
          // the CPU of this sample was spent on behalf of that code; key it with the callee below it
          for (int k = 0; k < fs.size(); k++) {
            String n = name(fs.get(k));
            if (except != null && n.startsWith(except)) {
              break;
            }
            if (n.startsWith(attribute)) {
              String callee = k == 0 ? "(self)" : name(fs.get(k - 1));
              attributed.merge(n + "  ->  " + callee, 1, Integer::sum);
              attributedSamples++;
              break;
            }
          }
        }
      }
    }
    System.out.printf(Locale.ROOT, "%s: %d %s events%s%s%n", file, samples, eventName,
        thread == null ? "" : " on threads " + thread + "*", first == null ? "" : " from " + first + " to " + last);
    if (samples == 0) {
      return;
    }
    System.out.printf(Locale.ROOT, "samples with a %s frame on the stack: %d (%.1f %%)%n", filter, matching,
        100.0 * matching / samples);
    print("threads", threads, samples, 10);
    if (unit != null) {
      int units = total.getOrDefault(unit, 0);
      System.out.printf(Locale.ROOT, "%nper-request yardstick: %d samples contain %s; samples per yardstick sample: "
          + "%.3f (compare this figure between two recordings of the same load: it is the CPU per request relative "
          + "to the yardstick's)%n", units, unit, units == 0 ? Double.NaN : (double) samples / units);
      if (units > 0) {
        System.out.println();
        System.out.println("top frames, total, per yardstick sample:");
        total.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(frames)
            .forEach(e -> System.out.printf(Locale.ROOT, "  %7.3f  %s%n", (double) e.getValue() / units, e.getKey()));
      }
    }
    if (attribute != null) {
      System.out.printf(Locale.ROOT, "%nsamples spent on behalf of %s%s (innermost such frame, and its callee): %d "
          + "(%.1f %%)%n", attribute, except == null ? "" : " but not under " + except, attributedSamples,
          100.0 * attributedSamples / samples);
      print("attributed", attributed, samples, frames);
    }
    print("top frames, self", self, samples, frames);
    print("top frames, total (inclusive)", total, samples, frames);
  }

  private static String threadName(RecordedEvent e) {
    try {
      var t = e.getThread("sampledThread");
      if (t != null) {
        return t.getJavaName();
      }
    } catch (IllegalArgumentException ignored) {
      // not a sample event
    }
    return e.getThread() == null ? null : e.getThread().getJavaName();
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static void print(String title, Map<String, Integer> counts, int samples, int n) {
    System.out.println();
    System.out.println(title + ":");
    counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(n)
        .forEach(e -> System.out.printf(Locale.ROOT, "  %6.2f %%  %6d  %s%n", 100.0 * e.getValue() / samples,
            e.getValue(), e.getKey()));
  }
}
