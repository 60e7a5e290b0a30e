package dev.quiesce.launcher.impl;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line that starts this application again: the same java binary, JVM options, class path
 * or jar, and program arguments, read from the running JVM. What the {@code upgrade} command starts
 * unless {@code upgrade.command} says otherwise.
 */
final class SuccessorCommand {

  private SuccessorCommand() {
  }

  /**
   * @param programArgs the arguments the launcher was given
   * @throws IllegalStateException when the running JVM does not say how it was started (no
   *     {@code sun.java.command}); the message says to set {@code upgrade.command}
   */
  static List<String> sameAsThisProcess(String[] programArgs) {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String launched = System.getProperty("sun.java.command", "");
    String classPath = System.getProperty("java.class.path", "");
    List<String> out = new ArrayList<>();
    out.add(java);
    out.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    if (!classPath.isEmpty() && classPath.endsWith(".jar") && launched.startsWith(classPath)
        && !classPath.contains(File.pathSeparator)) {
      out.add("-jar");
      out.add(classPath);
    } else {
      String main = launched.split(" ", 2)[0];
      if (main.isEmpty()) {
        throw new IllegalStateException("this JVM does not say how it was started (no sun.java.command):"
            + " set upgrade.command");
      }
      out.add("-cp");
      out.add(classPath);
      out.add(main);
    }
    out.addAll(Arrays.asList(programArgs));
    return out;
  }
}
