package dev.quiesce.launcher.impl;

import dev.quiesce.config.Durations;
import dev.quiesce.launcher.VertxFactory;
import dev.quiesce.lifecycle.LifecycleConfig;
import java.util.List;
import java.util.stream.Collectors;

/** The one line logged at start: pid, configuration sources, stop plan, signals, and warnings. */
final class StartLine {

  private StartLine() {
  }

  static String format(long pid, long startMillis, List<String> sources, LifecycleConfig lifecycle,
      SignalBridge.Installed signals) {
    StringBuilder line = new StringBuilder();
    line.append("quiesce started pid=").append(pid).append(" in ").append(startMillis).append(" ms; config: ")
        .append(String.join(", ", sources)).append("; stop plan: ")
        .append(lifecycle.phases().stream().map(p -> p.name() + " " + Durations.format(p.timeout()))
            .collect(Collectors.joining(" -> ")))
        .append(" (worst case ").append(Durations.format(lifecycle.worstCase())).append(", deadline ")
        .append(Durations.format(lifecycle.shutdownTimeout())).append(')');
    if (lifecycle.worstCase().compareTo(lifecycle.shutdownTimeout()) > 0) {
      line.append("; WARNING: the phase budgets add up to more than lifecycle.shutdownTimeout: a phase gets"
          + " at most what is left of the deadline");
    }
    if (signals.reducedSignals()) {
      line.append("; WARNING: the JVM runs with -Xrs and catches no signal: TERM, INT and HUP kill it at once,"
          + " without a graceful stop or a report. Stop it through the management endpoint, the event bus,"
          + " or System.exit (which runs the same stop through the shutdown hook)");
    } else {
      line.append("; signals: ").append(signals(signals));
      if (!signals.failed().isEmpty()) {
        line.append("; WARNING: could not catch ").append(signals.failed());
      }
      if (!signals.inheritedIgnored().isEmpty()) {
        line.append("; WARNING: ").append(signals.inheritedIgnored()).append(" inherited as ignored (nohup?):"
            + " the JVM never delivers them; start without ignoring them, or use the management endpoint");
      }
    }
    return line.toString();
  }

  /**
   * The start line's part for the instance a {@link VertxFactory} made: {@code ; <summary>} and
   * {@code ; WARNING: <warning>} for each warning; empty for {@link VertxFactory.Description#NONE}.
   */
  static String instance(VertxFactory.Description description) {
    StringBuilder part = new StringBuilder();
    if (!description.summary().isEmpty()) {
      part.append("; ").append(description.summary());
    }
    description.warnings().forEach(w -> part.append("; WARNING: ").append(w));
    return part.toString();
  }

  /** {@code TERM->stop INT->stop HUP->reload}: what each caught signal does. */
  static String signals(SignalBridge.Installed signals) {
    return signals.handled().entrySet().stream().map(e -> e.getKey().name() + "->" + e.getValue().wireName())
        .collect(Collectors.joining(" "));
  }
}
