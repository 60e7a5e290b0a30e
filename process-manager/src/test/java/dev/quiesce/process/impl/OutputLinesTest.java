package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The line state of one stream, fed in arbitrary pieces as a poll reads them. */
class OutputLinesTest {

  private final List<String> seen = new ArrayList<>();

  private OutputLines lines(int maxLineLength) {
    return new OutputLines("stdout", LoggerFactory.getLogger("quiesce.process.unit"), "unit", 3, 4242, maxLineLength,
        (stream, text, dropped) -> seen.add(text + "|" + dropped + "|" + MDC.get("processGroup") + "#"
            + MDC.get("processInstance") + "/" + MDC.get("processPid") + " " + MDC.get("processStream")));
  }

  private static void feed(OutputLines lines, String text, int pieceSize) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += pieceSize) {
      byte[] piece = Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + pieceSize));
      lines.accept(piece, piece.length);
    }
  }

  @Test
  void linesSplitAcrossPiecesAreJoinedAndCarriageReturnsStripped() {
    OutputLines lines = lines(1024);
    feed(lines, "first\r\nsecond line\n\nno newline", 3);
    assertThat(seen).containsExactly("first|0|unit#3/4242 stdout", "second line|0|unit#3/4242 stdout",
        "|0|unit#3/4242 stdout");
    lines.finish();
    assertThat(seen).last().isEqualTo("no newline|0|unit#3/4242 stdout");
    assertThat(MDC.get("processGroup")).as("MDC cleared after each line").isNull();
  }

  @Test
  void longLineGrowsTheBufferUpToTheLimitAndCountsTheRest() {
    OutputLines lines = lines(1000);
    feed(lines, "x".repeat(5000) + "\r\nafter\n", 700);
    assertThat(seen).containsExactly("x".repeat(1000) + "|4001|unit#3/4242 stdout", "after|0|unit#3/4242 stdout");
  }

  @Test
  void failingListenerDoesNotStopTheLines() {
    List<String> after = new ArrayList<>();
    OutputLines lines = new OutputLines("stderr", LoggerFactory.getLogger("quiesce.process.unit"), "unit", 0, 1, 256,
        (stream, text, dropped) -> {
          after.add(text);
          throw new IllegalStateException("listener broke on " + text);
        });
    feed(lines, "one\ntwo\n", 5);
    assertThat(after).containsExactly("one", "two");
  }
}
