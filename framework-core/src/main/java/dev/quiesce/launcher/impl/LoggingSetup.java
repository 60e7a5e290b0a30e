package dev.quiesce.launcher.impl;

/**
 * Points Logback, when the application brings it, at the framework's default configuration
 * ({@code quiesce-logback.xml}: one line per event) unless the application brings its own
 * {@code logback.xml} or names one with {@code -Dlogback.configurationFile}. With another SLF4J
 * backend, or none, it does nothing. Must run before the first logger is created.
 */
public final class LoggingSetup {

  public static final String DEFAULT_CONFIG = "quiesce-logback.xml";
  /** A class of logback-classic, looked up as a resource so that nothing of Logback is loaded. */
  private static final String LOGBACK = "ch/qos/logback/classic/LoggerContext.class";

  private LoggingSetup() {
  }

  public static void useDefaultsUnlessConfigured() {
    ClassLoader loader = LoggingSetup.class.getClassLoader();
    if (loader.getResource(LOGBACK) != null && System.getProperty("logback.configurationFile") == null
        && loader.getResource("logback.xml") == null && loader.getResource("logback-test.xml") == null) {
      System.setProperty("logback.configurationFile", DEFAULT_CONFIG);
    }
  }
}
