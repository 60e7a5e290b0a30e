package dev.quiesce.launcher;

/** The main entry of applications built on Quiesce (work in progress). */
public final class QuiesceLauncher {

  private QuiesceLauncher() {
  }

  /** Runs {@code app} with the command line {@code args} and exits the JVM with an {@link ExitCodes exit code}. */
  public static void launch(String[] args, QuiesceApplication app) {
    throw new UnsupportedOperationException("not yet");
  }
}
