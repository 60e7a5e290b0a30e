package dev.quiesce.launcher.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import dev.quiesce.testing.Timing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watch of {@code lifecycle.watchConfig} on real files, without a launcher around it. */
class ConfigWatcherTest {

  @TempDir
  Path dir;

  @Test
  void aStreamOfWritesStillReloadsWithinTenDebouncesOfItsFirstAndCloseEndsTheWatch() throws Exception {
    Path file = Files.writeString(dir.resolve("config.json"), "{}");
    AtomicInteger changes = new AtomicInteger();
    AtomicLong firedAt = new AtomicLong();
    long debounceMs = 200;
    try (ConfigWatcher watcher = ConfigWatcher.start(file, Duration.ofMillis(debounceMs),
        ConfigWatcher.fingerprint(file), () -> {
          firedAt.compareAndSet(0, System.nanoTime());
          changes.incrementAndGet();
        })) {
      // a write every 50 ms, never quiet for 200 ms: only the cap (10 x 200 ms) lets the reload begin
      long first = System.nanoTime();
      long streamEnd = first + Duration.ofMillis(Timing.upTo(debounceMs * 10) + 3000).toNanos();
      int version = 0;
      while (changes.get() == 0 && System.nanoTime() < streamEnd) {
        Files.writeString(file, "{\"version\": " + ++version + "}");
        Thread.sleep(50); // the stream's shape, not a wait for anything
      }
      assertThat(changes.get()).as("a reload while the writes go on").isEqualTo(1);
      long afterMs = (firedAt.get() - first) / 1_000_000;
      assertThat(afterMs).as("no sooner than the cap").isGreaterThanOrEqualTo(debounceMs * 10 - 100);

      watcher.close();
      Await.until("the watch thread ends", Duration.ofSeconds(3), () -> !watcher.isWatching());
      Files.writeString(file, "{\"after\": \"close\"}");
      assertThat(changes.get()).isEqualTo(1);
    }
  }

  @Test
  void aChangeBeforeTheWatchBeganCountsAndTheSameContentAgainDoesNot() throws Exception {
    Path file = Files.writeString(dir.resolve("config.yaml"), "a: 1\n");
    String loaded = ConfigWatcher.fingerprint(file);
    Files.writeString(file, "a: 2\n");
    AtomicInteger changes = new AtomicInteger();
    try (ConfigWatcher watcher = ConfigWatcher.start(file, Duration.ofMillis(100), loaded,
        changes::incrementAndGet)) {
      Await.until("the change made before the start is seen", Duration.ofSeconds(5), () -> changes.get() == 1);
      int settled = watcher.settles();

      Files.writeString(file, "a: 2\n"); // the same bytes: directory events, no change
      Files.writeString(dir.resolve("report.json"), "{}"); // another file in the directory: no change
      Await.until("those events settle", Duration.ofSeconds(5), () -> watcher.settles() > settled);
      assertThat(changes.get()).as("no reload for the same content or another file").isEqualTo(1);

      Files.delete(file);
      Files.writeString(file, "a: 3\n");
      Await.until("the new content is seen", Duration.ofSeconds(5), () -> changes.get() >= 2);
      assertThat(ConfigWatcher.fingerprint(file)).isNotEqualTo(loaded);
      assertThat(ConfigWatcher.fingerprint(dir.resolve("missing.yaml"))).isEqualTo("missing");
      assertThat(ConfigWatcher.fingerprint(dir)).isEqualTo("not a regular file");
    }
  }
}
