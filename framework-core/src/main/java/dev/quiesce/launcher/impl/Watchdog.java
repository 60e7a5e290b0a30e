package dev.quiesce.launcher.impl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last bound on a stop: a daemon thread that halts the process if it is still alive at
 * {@code haltAt}, whatever is stuck (an event loop blocked by application code, a shutdown hook
 * of someone else's that never returns).
 */
final class Watchdog {

  private static final Logger LOG = LoggerFactory.getLogger("quiesce.launcher");

  private Watchdog() {
  }

  static void start(long haltAt, Runnable halt) {
    Thread thread = new Thread(() -> {
      long wait;
      while ((wait = haltAt - System.currentTimeMillis()) > 0) {
        try {
          Thread.sleep(wait);
        } catch (InterruptedException e) {
          return;
        }
      }
      LOG.error("the stop overran its deadline: the watchdog ends the process now");
      halt.run();
    }, "quiesce-stop-watchdog");
    thread.setDaemon(true);
    thread.start();
  }
}
