package dev.quiesce.testing;

/** Reading /proc in tests, e.g. whether {@code /proc/<pid>/environ} carries a test tag. */
public final class ProcFs {

  private ProcFs() {
  }

  /** True when {@code needle} occurs in {@code hay}. */
  public static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
