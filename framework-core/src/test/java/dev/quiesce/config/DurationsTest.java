package dev.quiesce.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @Test
  void readsEveryDocumentedForm() {
    assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse(1500)).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("1500")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse(2.0)).isEqualTo(Duration.ofMillis(2));
  }

  @ParameterizedTest
  @ValueSource(strings = {"5 sec", "-1s", "1.5s", "", "s", "5d", "ten", "999999999999h"})
  void rejectsAnythingElseSayingWhatIsAccepted(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duration");
  }

  @Test
  void rejectsNegativeFractionalAndNonNumbers() {
    assertThatThrownBy(() -> Durations.parse(-5)).hasMessage(Durations.RULE);
    assertThatThrownBy(() -> Durations.parse(1.5)).hasMessage(Durations.RULE);
    assertThatThrownBy(() -> Durations.parse(true)).hasMessage(Durations.RULE);
    assertThatThrownBy(() -> Durations.parse(Long.MAX_VALUE)).hasMessageContaining("too long");
  }

  @Test
  void formatsTheShortestExactText() {
    assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ofMinutes(2))).isEqualTo("2m");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
  }
}
