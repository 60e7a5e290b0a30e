package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quiesce.launcher.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat jar on the newest LTS JDK (25): it starts and stops as on 17, and the JVM prints no warning
 * of its own, in particular not JNA's "A restricted method in java.lang.System has been called"
 * (the jar's manifest says {@code Enable-Native-Access: ALL-UNNAMED}).
 *
 * <p>The JDK is {@code -Dquiesce.jdk25.home=DIR}, by default {@value #DEFAULT_JDK25}; the test is
 * skipped, saying so, when no JDK is there.
 */
class NewestJdkIT {

  static final String DEFAULT_JDK25 = "/usr/lib/jvm/temurin-25-jdk-amd64";

  @TempDir
  Path dir;

  @Test
  void theFatJarStartsOnJdk25WithoutTheRestrictedMethodWarning() throws Exception {
    Path home = Path.of(System.getProperty("quiesce.jdk25.home", DEFAULT_JDK25));
    assumeTrue(Files.isExecutable(home.resolve("bin/java")),
        "no JDK 25 at " + home + " (set -Dquiesce.jdk25.home=DIR): the fat jar was not tried on JDK 25");

    try (ExampleAppFixture f = new ExampleAppFixture(dir).start(home)) {
      assertThat(f.get("/hello").statusCode()).isEqualTo(200);

      assertThat(f.app.output()).as("the JVM's own warnings at start")
          .doesNotContain("A restricted method in java.lang.System has been called")
          .doesNotContainPattern("(?m)^WARNING: ");
      assertThat(f.app.stop("TERM", Duration.ofSeconds(30)).code()).as(f.app.output()).isEqualTo(ExitCodes.GRACEFUL);
    }
  }
}
