package dev.quiesce.process.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * Reads one output stream of a child, line by line, on its own daemon thread, and logs each line
 * to the group's logger ({@code quiesce.process.<group>}) as {@code [group#instance stream] text}.
 *
 * <p>Memory is bounded: a line keeps at most {@code maxLineLength} bytes; the rest, up to the next
 * newline, is counted and dropped, and the logged line says so
 * ({@code … [line cut at 8192 bytes, 10477568 more dropped]}). A child that closes the stream ends
 * the pump, not the child. The MDC carries {@code processGroup}, {@code processInstance},
 * {@code processPid} and {@code processStream}.
 */
public final class OutputPump implements Runnable {

  /** Receives each line after it is logged. Called on the pump's thread. */
  public interface LineListener {
    void line(String stream, String text, long droppedBytes);
  }

  private final InputStream in;
  private final String stream;
  private final Logger log;
  private final String group;
  private final int instance;
  private final int pid;
  private final int maxLineLength;
  private final LineListener listener;

  public OutputPump(InputStream in, String stream, Logger log, String group, int instance, int pid, int maxLineLength,
      LineListener listener) {
    this.in = in;
    this.stream = stream;
    this.log = log;
    this.group = group;
    this.instance = instance;
    this.pid = pid;
    this.maxLineLength = maxLineLength;
    this.listener = listener;
  }

  /** Starts the pump on a new daemon thread with a small stack. */
  public void start() {
    Thread t = new Thread(null, this, "quiesce-output-" + group + "-" + instance + "-" + stream, 256 * 1024);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void run() {
    MDC.put("processGroup", group);
    MDC.put("processInstance", Integer.toString(instance));
    MDC.put("processPid", Integer.toString(pid));
    MDC.put("processStream", stream);
    byte[] buf = new byte[8192];
    byte[] line = new byte[maxLineLength];
    int len = 0;
    long dropped = 0;
    try (in) {
      int n;
      while ((n = in.read(buf)) > 0) {
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          if (b == '\n') {
            emit(line, len, dropped);
            len = 0;
            dropped = 0;
          } else if (len < maxLineLength) {
            line[len++] = b;
          } else {
            dropped++;
          }
        }
      }
      if (len > 0 || dropped > 0) {
        emit(line, len, dropped);
      }
    } catch (IOException e) {
      // the stream was closed under us (the process is gone): nothing more to read
    } catch (RuntimeException e) {
      log.warn("[{}#{} {}] output reader failed: {}", group, instance, stream, e.toString());
    } finally {
      MDC.clear();
    }
  }

  private void emit(byte[] line, int len, long dropped) {
    if (dropped == 0 && len > 0 && line[len - 1] == '\r') {
      len--;
    }
    String text = new String(line, 0, len, StandardCharsets.UTF_8);
    if (dropped > 0) {
      log.info("[{}#{} {}] {} [line cut at {} bytes, {} more dropped]", group, instance, stream, text, maxLineLength,
          dropped);
    } else {
      log.info("[{}#{} {}] {}", group, instance, stream, text);
    }
    if (listener != null) {
      try {
        listener.line(stream, text, dropped);
      } catch (RuntimeException e) {
        log.warn("output listener failed", e);
      }
    }
  }
}
