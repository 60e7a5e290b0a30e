package dev.quiesce.launcher.impl;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the configuration file for {@code lifecycle.watchConfig} and calls its listener once per
 * settled change of the file's content.
 *
 * <p>It watches the file's <em>directory</em> (inotify through the JDK's {@link WatchService}), not the
 * file: a Kubernetes ConfigMap volume updates by writing a new timestamped directory and renaming a
 * {@code ..data} symlink over the old one, so the file's own path ({@code config.yaml ->
 * ..data/config.yaml}) never sees an event, while its directory sees the rename. Any event in the
 * directory (an editor's temporary file, the rename, the report file written next to the config) starts
 * a debounce; when the directory has been quiet for {@code debounce} (or {@code 10 × debounce} after
 * the first event, so that a stream of writes still reloads), the file is read through its symlinks and
 * its SHA-256 compared with the content last seen: only a different content (or a file that appeared,
 * vanished or stopped being a regular file) calls the listener. vertx-config's {@code scanPeriod} was
 * not used: it polls, and it skips a broken file without telling anyone, where a reload must say that
 * it kept the old configuration.
 *
 * <p>The watch runs on a daemon thread of its own; each of its waits is bounded (a poll of at most
 * 1 s, then the debounce); {@link #close()} ends it within one poll.
 */
final class ConfigWatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.launcher");
  private static final long POLL_MS = 1000;
  private static final int STREAM_CAP = 10;

  private final Path file;
  private final WatchService watch;
  private final Runnable onChange;
  private final Thread thread;
  private volatile Duration debounce;
  private volatile boolean closed;
  private final AtomicInteger settles = new AtomicInteger();
  private String lastSeen;

  private ConfigWatcher(Path file, WatchService watch, Duration debounce, String baseline, Runnable onChange) {
    this.file = file;
    this.watch = watch;
    this.debounce = debounce;
    this.lastSeen = baseline;
    this.onChange = onChange;
    this.thread = new Thread(this::run, "quiesce-config-watch");
    this.thread.setDaemon(true);
  }

  /**
   * Starts watching {@code file}'s directory. A content that already differs from {@code baseline} (the
   * file changed between the load and this call) counts as a change at once.
   *
   * @param baseline the {@link #fingerprint} of the content the running configuration was read from
   * @param onChange called on the watch thread for each settled change; it must not block
   * @throws IOException when the directory cannot be watched (it does not exist, or inotify's limit on
   *     watches is reached)
   */
  static ConfigWatcher start(Path file, Duration debounce, String baseline, Runnable onChange) throws IOException {
    Path absolute = file.toAbsolutePath();
    WatchService watch = FileSystems.getDefault().newWatchService();
    try {
      absolute.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
    } catch (IOException | RuntimeException e) {
      watch.close();
      throw e;
    }
    ConfigWatcher watcher = new ConfigWatcher(absolute, watch, debounce, baseline, onChange);
    watcher.thread.start();
    return watcher;
  }

  /** The debounce of the next change: a reload may change {@code watchConfigDebounce}. */
  void debounce(Duration debounce) {
    this.debounce = debounce;
  }

  Path file() {
    return file;
  }

  /** How many times the directory settled after events and the file was compared, changed or not. */
  int settles() {
    return settles.get();
  }

  /** Whether the watch thread still runs: false within one poll (1 s) of {@link #close()}. */
  boolean isWatching() {
    return thread.isAlive();
  }

  /**
   * What the file holds now, to compare: the SHA-256 of its content read through its symlinks,
   * {@code "missing"} or {@code "not a regular file"} (never read, so a FIFO swapped in cannot block).
   */
  static String fingerprint(Path file) {
    if (!Files.exists(file)) {
      return "missing";
    }
    if (!Files.isRegularFile(file)) {
      return "not a regular file";
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private void run() {
    try {
      boolean pending = !fingerprint(file).equals(lastSeen);
      while (!closed) {
        int events = pending ? 1 : awaitEvents(POLL_MS);
        if (events < 0) {
          return;
        }
        if (events == 0) {
          continue;
        }
        long first = System.nanoTime();
        events += settle(first);
        pending = false;
        if (closed) {
          return;
        }
        String now = fingerprint(file);
        settles.incrementAndGet();
        if (!now.equals(lastSeen)) {
          lastSeen = now;
          long settled = (System.nanoTime() - first) / 1_000_000;
          LOG.info("config file {} changed ({} directory events, settled in {} ms): reloading", file, events, settled);
          onChange.run();
        }
      }
    } catch (ClosedWatchServiceException e) {
      // closed: the watch ends
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("watching the config file {} failed; changes are no longer seen: {}", file, e.toString(), e);
    }
  }

  /**
   * Waits until the directory has been quiet for the debounce, or until {@code 10 × debounce} after
   * {@code first}; returns the number of events seen meanwhile.
   */
  private int settle(long first) throws InterruptedException {
    int events = 0;
    long quietMs = debounce.toMillis();
    long capNanos = first + TimeUnit.MILLISECONDS.toNanos(quietMs * STREAM_CAP);
    while (!closed) {
      long leftMs = Math.min(quietMs, TimeUnit.NANOSECONDS.toMillis(capNanos - System.nanoTime()));
      if (leftMs <= 0) {
        return events;
      }
      int more = awaitEvents(leftMs);
      if (more <= 0) {
        return events;
      }
      events += more;
    }
    return events;
  }

  /** The number of events within {@code ms} (0: none); -1 when the directory can no longer be watched. */
  private int awaitEvents(long ms) throws InterruptedException {
    WatchKey key = watch.poll(ms, TimeUnit.MILLISECONDS);
    if (key == null) {
      return 0;
    }
    int n = Math.max(1, key.pollEvents().size());
    if (!key.reset()) {
      LOG.warn("the directory of the config file {} is gone: its changes are no longer watched", file);
      return -1;
    }
    return n;
  }

  /** Stops the watch; the thread ends within one poll (at most 1 s). */
  @Override
  public void close() {
    closed = true;
    try {
      watch.close();
    } catch (IOException e) {
      LOG.debug("closing the config file watch: {}", e.toString());
    }
  }
}
