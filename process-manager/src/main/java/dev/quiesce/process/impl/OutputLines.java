package dev.quiesce.process.impl;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * Splits one output stream of a child into lines and logs each to the group's logger
 * ({@code quiesce.process.<group>}) as {@code [group#instance stream] text}. Not thread-safe: fed by
 * its group's {@link OutputReader} thread only.
 *
 * <p>Memory is bounded: a line keeps at most {@code maxLineLength} bytes, in a buffer that grows
 * with the longest line seen; the rest, up to the next newline, is counted and dropped, and the
 * logged line says so ({@code … [line cut at 8192 bytes, 10477568 more dropped]}). A trailing
 * {@code \r} of a line kept whole is stripped. While a line is logged and its listener runs, the MDC
 * carries {@code processGroup}, {@code processInstance}, {@code processPid} and
 * {@code processStream}. A listener that throws is logged; the line counts as delivered.
 */
final class OutputLines {

  /** Receives each line after it is logged, on the group's reader thread. */
  interface LineListener {
    void line(String stream, String text, long droppedBytes);
  }

  private static final int INITIAL_CAPACITY = 256;

  final String stream;
  private final Logger log;
  private final String group;
  private final String instance;
  /** {@code [group#instance stream]}: the same for every line of this stream, so built once. */
  private final String label;
  private final String pid;
  private final int maxLineLength;
  private final LineListener listener;
  private byte[] line;
  private int len;
  private long dropped;

  OutputLines(String stream, Logger log, String group, int instance, int pid, int maxLineLength,
      LineListener listener) {
    this.stream = stream;
    this.log = log;
    this.group = group;
    this.instance = Integer.toString(instance);
    this.pid = Integer.toString(pid);
    this.label = "[" + group + "#" + instance + " " + stream + "]";
    this.maxLineLength = maxLineLength;
    this.listener = listener;
    this.line = new byte[Math.min(INITIAL_CAPACITY, maxLineLength)];
  }

  /** Takes {@code n} more bytes of the stream; logs each line they complete. */
  void accept(byte[] buf, int n) {
    for (int i = 0; i < n; i++) {
      byte b = buf[i];
      if (b == '\n') {
        emit();
      } else if (len < maxLineLength) {
        if (len == line.length) {
          line = Arrays.copyOf(line, (int) Math.min((long) len * 2, maxLineLength));
        }
        line[len++] = b;
      } else {
        dropped++;
      }
    }
  }

  /** The stream ended: logs its last line if it had no newline. */
  void finish() {
    if (len > 0 || dropped > 0) {
      emit();
    }
  }

  /** {@code [group#instance stream]}, for messages about this stream. */
  String label() {
    return label;
  }

  private void emit() {
    int n = len;
    if (dropped == 0 && n > 0 && line[n - 1] == '\r') {
      n--;
    }
    String text = new String(line, 0, n, StandardCharsets.UTF_8);
    long cut = dropped;
    len = 0;
    dropped = 0;
    MDC.put("processGroup", group);
    MDC.put("processInstance", instance);
    MDC.put("processPid", pid);
    MDC.put("processStream", stream);
    try {
      if (cut > 0) {
        log.info("{} {} [line cut at {} bytes, {} more dropped]", label, text, maxLineLength, cut);
      } else {
        log.info("{} {}", label, text);
      }
      if (listener != null) {
        try {
          listener.line(stream, text, cut);
        } catch (RuntimeException e) {
          log.warn("output listener failed", e);
        }
      }
    } finally {
      MDC.clear();
    }
  }
}
