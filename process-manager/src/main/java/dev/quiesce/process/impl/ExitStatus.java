package dev.quiesce.process.impl;

import dev.quiesce.signal.PosixSignal;
import io.vertx.core.json.JsonObject;

/**
 * A child's exit as JSON: {@code {"code":0}} or {@code {"signal":"KILL"}}.
 *
 * <p>The JDK reports a death by signal N as the exit value {@code 128 + N}, so an exit value of
 * 129 to 159 that names a signal is reported as that signal; a program that calls
 * {@code exit(137)} itself is therefore reported as {@code {"signal":"KILL"}}. Shells blur the two
 * in the same way.
 */
public final class ExitStatus {

  private ExitStatus() {
  }

  public static JsonObject toJson(int exitValue) {
    if (exitValue > 128 && exitValue < 160) {
      var signal = PosixSignal.byNumber(exitValue - 128);
      if (signal.isPresent()) {
        return new JsonObject().put("signal", signal.get().name());
      }
    }
    return new JsonObject().put("code", exitValue);
  }

  /**
   * The end of a child's main pid ({@code MAINPID=}), which outlived the child: {@code {"mainPid":N}}.
   * That process is not the JVM's child, so its exit status cannot be known; it counts as a failure.
   */
  public static JsonObject mainPidGone(int mainPid) {
    return new JsonObject().put("mainPid", mainPid);
  }

  /** True for {@code {"code":0}}. */
  public static boolean isSuccess(JsonObject exit) {
    return exit != null && Integer.valueOf(0).equals(exit.getInteger("code"));
  }
}
