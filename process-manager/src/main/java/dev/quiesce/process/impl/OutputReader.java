package dev.quiesce.process.impl;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Reads the stdout and stderr of every child of one group with {@code output: "log"} on one daemon
 * thread, {@code quiesce-output-<group>}, and hands the bytes to each stream's {@link OutputLines}.
 *
 * <p>The thread never blocks on a child: it polls each stream with {@link InputStream#available()}
 * (FIONREAD on a pipe) and reads only what that reports. A round reads at most one chunk per stream,
 * so a chatty child cannot starve the others; the thread sleeps only after a round that read
 * nothing, {@link #POLL_MS} while output flows, {@link #IDLE_POLL_MS} after {@link #IDLE_AFTER_MS}
 * of silence. It starts with the group's first stream and ends when the group has none left, so a
 * stopped or removed group keeps no thread; the next child starts a new one.
 *
 * <p>End of a stream: a pipe at EOF and an empty pipe both report 0 available, and a blocking read
 * would wait as long as any grandchild holds the pipe open. So a stream is read for as long as its
 * child lives (a child that closes its stdout keeps a stream that is only polled). Once the child
 * has exited, the JDK's process reaper moves what is left in the pipe into memory and closes the
 * pipe ({@code ProcessImpl.ProcessPipeInputStream.processExited}, run just after {@code isAlive()}
 * turns false); the stream is drained, and once it has reported 0 available for
 * {@link #POLL_MS} after the exit, its last line is logged even without a newline and the stream is
 * closed and dropped. What a grandchild writes after that is lost (the JDK closed the pipe).
 *
 * <p>Failures: a stream that fails to read ({@link IOException}: closed under us) ends like an
 * exited one. A failure while its lines are handled (the logger throws) is logged, and only that
 * stream is closed and dropped: the child gets EPIPE or SIGPIPE at its next write, as when a pipe's
 * reader goes away; the group's other streams go on. Any other failure of a polling round is logged
 * and the next round runs: the thread ends only when no stream is left.
 */
final class OutputReader {

  /** Sleep after a round that read nothing, while the group's output flows: about how long a line waits to be read. */
  static final long POLL_MS = 10;
  /**
   * Sleep between rounds once the group has been silent for {@link #IDLE_AFTER_MS}: halves the cost
   * of idle children, and keeps a {@code ready.logLine} seen within about 20 ms.
   */
  static final long IDLE_POLL_MS = 20;
  static final long IDLE_AFTER_MS = 1000;
  /** Bytes read from one stream in one round at most. */
  private static final int CHUNK = 16 * 1024;
  private static final long STACK_SIZE = 256 * 1024;

  private final String group;
  private final Logger log;
  /** Streams registered and not yet taken by the thread. Guarded by {@code this}. */
  private final List<Source> added = new ArrayList<>();
  /** The running reader thread, or null. Guarded by {@code this}. */
  private Thread thread;

  OutputReader(String group, Logger log) {
    this.group = group;
    this.log = log;
  }

  /** Reads the stdout and stderr of the child {@code process}, starting the group's thread if none runs. */
  void read(Process process, int instance, int pid, int maxLineLength, OutputLines.LineListener listener) {
    Source out = new Source(process, process.getInputStream(),
        new OutputLines("stdout", log, group, instance, pid, maxLineLength, listener));
    Source err = new Source(process, process.getErrorStream(),
        new OutputLines("stderr", log, group, instance, pid, maxLineLength, listener));
    synchronized (this) {
      added.add(out);
      added.add(err);
      if (thread == null) {
        thread = new Thread(null, this::run, "quiesce-output-" + group, STACK_SIZE);
        thread.setDaemon(true);
        thread.start();
      }
    }
  }

  private void run() {
    List<Source> streams = new ArrayList<>();
    byte[] buf = new byte[CHUNK];
    long lastOutput = System.nanoTime();
    while (true) {
      synchronized (this) {
        streams.addAll(added);
        added.clear();
        if (streams.isEmpty()) {
          thread = null;
          return;
        }
      }
      long now = System.nanoTime();
      boolean read;
      try {
        read = round(streams, buf, now);
      } catch (RuntimeException | Error e) {
        log.error("output reader of group {} failed; it goes on", group, e);
        read = false;
      }
      if (read) {
        lastOutput = now;
      } else {
        sleep(now - lastOutput > TimeUnit.MILLISECONDS.toNanos(IDLE_AFTER_MS) ? IDLE_POLL_MS : POLL_MS);
      }
    }
  }

  /** Polls every stream once, dropping those that are done; true when some stream had output. */
  private boolean round(List<Source> streams, byte[] buf, long now) {
    boolean read = false;
    for (Iterator<Source> it = streams.iterator(); it.hasNext(); ) {
      int n = poll(it.next(), buf, now);
      if (n < 0) {
        it.remove();
      } else if (n > 0) {
        read = true;
      }
    }
    return read;
  }

  /** One poll of one stream: the bytes read, or -1 once the stream is done (then it is closed). */
  private int poll(Source s, byte[] buf, long now) {
    try {
      int n = s.poll(buf, now);
      if (n < 0) {
        s.lines.finish();
        s.close();
      }
      return n;
    } catch (RuntimeException | Error e) {
      log.warn("{} output reader failed: {}", s.lines.label(), e.toString());
      s.close();
      return -1;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      // nobody else interrupts this thread; it ends when its streams are done
    }
  }

  /** One stream of one child and what the reader knows of its end. */
  private static final class Source {

    final Process process;
    final InputStream in;
    final OutputLines lines;
    /** Whether the stream has been empty since {@link #quietSince}, after the child exited. */
    private boolean quietAfterExit;
    /** When the stream was first seen empty after the child exited (nanoTime). */
    private long quietSince;

    Source(Process process, InputStream in, OutputLines lines) {
      this.process = process;
      this.in = in;
      this.lines = lines;
    }

    /** Reads what is available, never more: the bytes read (given to the lines), 0, or -1 at the end. */
    int poll(byte[] buf, long now) {
      try {
        int available = in.available();
        if (available > 0) {
          int n = in.read(buf, 0, Math.min(available, buf.length));
          if (n < 0) {
            return -1;
          }
          lines.accept(buf, n);
          quietAfterExit = false;
          return n;
        }
      } catch (IOException e) {
        return -1; // closed under us
      }
      if (process.isAlive()) {
        return 0;
      }
      // exited: the reaper closes the pipe just after isAlive() turned false; give it one poll interval
      if (!quietAfterExit) {
        quietAfterExit = true;
        quietSince = now;
        return 0;
      }
      return now - quietSince >= TimeUnit.MILLISECONDS.toNanos(POLL_MS) ? -1 : 0;
    }

    void close() {
      try {
        in.close();
      } catch (IOException e) {
        // closing a pipe we no longer read
      }
    }
  }
}
