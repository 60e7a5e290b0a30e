package dev.quiesce.process;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Records what some loggers (and their children) log during a test; {@link #detach()} after it. */
final class LogCapture {

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final List<Logger> loggers = new ArrayList<>();

  LogCapture(String... loggerNames) {
    appender.start();
    for (String name : loggerNames) {
      Logger logger = (Logger) LoggerFactory.getLogger(name);
      logger.addAppender(appender);
      loggers.add(logger);
    }
  }

  void detach() {
    loggers.forEach(l -> l.detachAppender(appender));
  }

  /** Every event recorded so far, in order. */
  List<ILoggingEvent> events() {
    synchronized (appender) { // AppenderBase.doAppend holds this lock while it adds to the list
      return List.copyOf(appender.list);
    }
  }

  /** The formatted messages logged to exactly {@code logger}, in order. */
  List<String> lines(String logger) {
    return events().stream().filter(e -> e.getLoggerName().equals(logger)).map(ILoggingEvent::getFormattedMessage)
        .toList();
  }
}
