package dev.quiesce.bench;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** The machine and the versions, for the summary. */
final class Machine {

  private Machine() {
  }

  static List<String> describe() {
    List<String> out = new ArrayList<>();
    out.add("- machine: " + Runtime.getRuntime().availableProcessors() + " CPUs (nproc), " + memTotal() + ", CPU "
        + cpuModel() + ", kernel " + System.getProperty("os.version"));
    out.add("- JDK: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
        + "; Vert.x " + vertxVersion() + "; wrk: " + firstLine("wrk", "--version"));
    out.add("- framework: commit " + firstLine("git", "rev-parse", "--short", "HEAD") + dirty() + "; "
        + jar(Bench.EXAMPLE_JAR) + "; " + jar(Bench.BENCH_JAR));
    return out;
  }

  private static String jar(String path) {
    try {
      Path p = Path.of(path);
      return path + " built " + java.time.Instant.ofEpochMilli(Files.getLastModifiedTime(p).toMillis())
          .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    } catch (IOException e) {
      return path + " missing";
    }
  }

  private static String memTotal() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kb = Long.parseLong(line.replaceAll("\\D+", ""));
          return String.format(java.util.Locale.ROOT, "%.1f GiB RAM", kb / 1024.0 / 1024.0);
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return "? RAM";
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "?";
  }

  static String vertxVersion() {
    try (InputStream in = Vertx.class.getResourceAsStream("/META-INF/maven/io.vertx/vertx-core/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "?");
      }
    } catch (IOException e) {
      // fall through
    }
    return "?";
  }

  private static String dirty() {
    String status = output("git", "status", "--porcelain", "--", "framework-core", "framework-web", "process-manager",
        "example-app");
    return status.isBlank() ? " (clean)"
        : " + uncommitted changes in " + status.lines().map(l -> l.substring(3).split("/")[0]).distinct().toList();
  }

  static String firstLine(String... cmd) {
    String out = output(cmd);
    return out.isBlank() ? "?" : out.lines().findFirst().orElse("?").trim();
  }

  static String output(String... cmd) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().put("BENCH_TAG", Bench.TAG);
      Process p = pb.start();
      byte[] bytes;
      try (InputStream in = p.getInputStream()) {
        bytes = in.readAllBytes();
      }
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
