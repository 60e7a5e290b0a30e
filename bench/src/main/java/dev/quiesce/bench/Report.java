package dev.quiesce.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * What a benchmark run prints: progress lines as they come, and a Markdown summary (machine,
 * versions, command, tables) that is also written to {@code <out>/<bench>-<time>.md}.
 */
final class Report {

  final Path dir;
  private final String bench;
  private final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
  private final List<String> summary = new ArrayList<>();

  Report(Path dir, String bench, String command) throws IOException {
    this.dir = dir.resolve(bench + "-" + stamp);
    this.bench = bench;
    Files.createDirectories(this.dir);
    summary.add("## " + bench + " — " + stamp);
    summary.add("");
    summary.add("Command: `" + command + "` (BENCH_TAG=" + Bench.TAG + ")");
    summary.add("");
    summary.addAll(Machine.describe());
    summary.add("");
  }

  /** A progress line (stdout only). */
  void progress(String line) {
    System.out.println(line);
    System.out.flush();
  }

  /** A line of the summary (stdout and the summary file). */
  void add(String line) {
    summary.add(line);
  }

  Path file(String name) {
    return dir.resolve(name);
  }

  void finish() throws IOException {
    Path out = dir.resolve(bench + "-summary.md");
    Files.write(out, summary);
    System.out.println();
    summary.forEach(System.out::println);
    System.out.println();
    System.out.println("summary written to " + out);
  }
}
