package dev.quiesce.config.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** Names what a path that is not a regular file is, as a user would call it. */
public final class FileKinds {

  // the file type bits of st_mode (stat(2)), as the JDK's "unix:mode" attribute gives them
  private static final int S_IFMT = 0170000;
  private static final int S_IFIFO = 0010000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFSOCK = 0140000;

  private FileKinds() {
  }

  /**
   * "a directory", "a named pipe (FIFO)", "a device", "a socket", or "not a regular file" when the
   * platform does not say (the {@code unix} attribute view is absent) or the path cannot be read.
   */
  public static String describe(Path path) {
    try {
      if (Files.readAttributes(path, BasicFileAttributes.class).isDirectory()) {
        return "a directory";
      }
      int type = ((Integer) Files.getAttribute(path, "unix:mode")) & S_IFMT;
      return switch (type) {
        case S_IFIFO -> "a named pipe (FIFO)";
        case S_IFCHR, S_IFBLK -> "a device";
        case S_IFSOCK -> "a socket";
        default -> "not a regular file";
      };
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "not a regular file";
    }
  }
}
