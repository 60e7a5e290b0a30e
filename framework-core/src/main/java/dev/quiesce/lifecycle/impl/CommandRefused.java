package dev.quiesce.lifecycle.impl;

/** A command that is malformed (400) or not possible now (409); its message names the problem. */
final class CommandRefused extends RuntimeException {

  final int code;

  CommandRefused(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }
}
