package dev.quiesce.process.impl;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * One sd_notify datagram, read: newline-separated {@code KEY=VALUE} assignments, of which Quiesce
 * acts on {@code READY=1}, {@code STATUS=…}, {@code WATCHDOG=1}, {@code STOPPING=1}, {@code MAINPID=n}
 * and {@code BARRIER=1}. Unknown keys and lines without {@code =} are ignored, as systemd ignores them;
 * a key given twice counts with its last value.
 *
 * @param ready {@code READY=1}
 * @param status the text of {@code STATUS=}, or null
 * @param watchdog {@code WATCHDOG=1}
 * @param stopping {@code STOPPING=1}
 * @param mainPid the pid of {@code MAINPID=}, 0 when absent or not a positive number
 * @param barrier {@code BARRIER=1}: the sender waits until the descriptor it sent is closed
 */
record NotifyMessage(boolean ready, String status, boolean watchdog, boolean stopping, int mainPid, boolean barrier) {

  /**
   * Reads {@code payload}.
   *
   * @return null when the datagram is garbled: empty, not UTF-8, or holding a NUL byte
   */
  static NotifyMessage parse(byte[] payload) {
    if (payload.length == 0) {
      return null;
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    if (text.indexOf('\0') >= 0) {
      return null;
    }
    boolean ready = false;
    boolean watchdog = false;
    boolean stopping = false;
    boolean barrier = false;
    String status = null;
    int mainPid = 0;
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String key = line.substring(0, eq);
      String value = line.substring(eq + 1);
      switch (key) {
        case "READY" -> ready = value.equals("1");
        case "WATCHDOG" -> watchdog = value.equals("1");
        case "STOPPING" -> stopping = value.equals("1");
        case "BARRIER" -> barrier = value.equals("1");
        case "STATUS" -> status = value;
        case "MAINPID" -> mainPid = positive(value);
        default -> {
          // unknown keys are ignored, as systemd ignores them
        }
      }
    }
    return new NotifyMessage(ready, status, watchdog, stopping, mainPid, barrier);
  }

  private static int positive(String value) {
    try {
      int n = Integer.parseInt(value.trim());
      return Math.max(0, n);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
