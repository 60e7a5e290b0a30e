package dev.quiesce.lifecycle.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Timing;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report file's writability check, which configuration validation runs, is bounded: a file
 * system that does not answer (a hung network mount) is a problem after the bound, not a wait
 * without end (issue 11 review).
 */
class ReportFileTest {

  @TempDir
  Path dir;

  @Test
  void aCheckThatDoesNotAnswerIsAProblemOnceTheBoundHasPassed() {
    Duration bound = Duration.ofMillis(300);
    long start = System.nanoTime();

    // the check is handed to a thread that never gets to it, as a stat() on a hung mount never returns
    String why = ReportFile.whyNotWritable(dir.resolve("report.json").toString(), bound, neverRuns -> { });

    Duration waited = Duration.ofNanos(System.nanoTime() - start);
    assertThat(why).isEqualTo("could not be checked within 300ms: the file system of " + dir
        + " does not answer (a hung network mount?)");
    assertThat(waited).isGreaterThanOrEqualTo(bound).isLessThan(bound.plus(Timing.upTo(Duration.ofSeconds(2))));
  }

  @Test
  void aFileSystemThatAnswersIsCheckedWithinTheDefaultBound() {
    assertThat(ReportFile.CHECK_TIMEOUT).isEqualTo(Duration.ofSeconds(2));
    assertThat(ReportFile.whyNotWritable(dir.resolve("report.json").toString())).isNull();
    assertThat(ReportFile.whyNotWritable(dir.toString())).isEqualTo("is a directory; name a file in it");
  }
}
