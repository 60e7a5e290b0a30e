package dev.quiesce.launcher.impl;

/**
 * Points Logback at the framework's default configuration ({@code quiesce-logback.xml}: one
 * line per event) unless the application brings its own {@code logback.xml} or names one with
 * {@code -Dlogback.configurationFile}. Must run before the first logger is created.
 */
public final class LoggingSetup {

  public static final String DEFAULT_CONFIG = "quiesce-logback.xml";

  private LoggingSetup() {
  }

  public static void useDefaultsUnlessConfigured() {
    ClassLoader loader = LoggingSetup.class.getClassLoader();
    if (System.getProperty("logback.configurationFile") == null && loader.getResource("logback.xml") == null
        && loader.getResource("logback-test.xml") == null) {
      System.setProperty("logback.configurationFile", DEFAULT_CONFIG);
    }
  }
}
