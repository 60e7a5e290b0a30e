package dev.quiesce.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.lifecycle.LifecycleConfig;
import dev.quiesce.lifecycle.SignalMapping;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One signal type and one spelling rule, in {@code lifecycle.signals} as in the process manager. */
class PosixSignalTest {

  @ParameterizedTest
  @ValueSource(strings = {"sigterm", "SIGTERM", "TERM", "term", " SigTerm "})
  void everySpellingOfASignalNamesTheSameSignal(String spelling) {
    assertThat(PosixSignal.parse(spelling)).isEqualTo(PosixSignal.TERM);
    assertThat(PosixSignal.byName(spelling)).contains(PosixSignal.TERM);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sigterm", "SIGTERM", "TERM", "term"})
  void lifecycleSignalsAcceptTheSameSpellingsAndStoreTheCanonicalName(String spelling) {
    LifecycleConfig config = LifecycleConfig.from(new JsonObject().put("lifecycle",
        new JsonObject().put("signals", new JsonObject().put(spelling, "drain"))));
    assertThat(config.signals()).containsEntry(PosixSignal.TERM, SignalMapping.DRAIN);
  }

  @Test
  void anUnknownNameIsRefusedWithTheNamesThereAre() {
    assertThatThrownBy(() -> PosixSignal.parse("TERMINATE")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("is not a signal name; use one of ABRT, ALRM");
    assertThat(PosixSignal.byName("TERMINATE")).isEmpty();
    assertThat(PosixSignal.byName(null)).isEmpty();
  }

  @Test
  void onlyTheSignalsTheJvmLetsGoCanBeCaught() {
    assertThat(PosixSignal.CATCHABLE).allMatch(PosixSignal::catchable)
        .allMatch(s -> s.whyNotCatchable().isEmpty());
    assertThat(PosixSignal.QUIT.whyNotCatchable()).hasValueSatisfying(w -> assertThat(w).contains("thread dumps"));
    assertThat(PosixSignal.USR2.whyNotCatchable()).hasValueSatisfying(w -> assertThat(w).contains("suspend/resume"));
    assertThat(PosixSignal.PIPE.whyNotCatchable()).hasValueSatisfying(w -> assertThat(w)
        .contains("use one of [TERM, INT, HUP, USR1, WINCH]"));
    assertThatThrownBy(() -> PosixSignal.parseCatchable("sigkill")).hasMessageContaining("cannot be caught");
    assertThat(PosixSignal.parseCatchable("sighup")).isEqualTo(PosixSignal.HUP);
  }

  @Test
  void numbersAreThoseOfLinux() {
    assertThat(PosixSignal.TERM.number()).isEqualTo(15);
    assertThat(PosixSignal.byNumber(9)).contains(PosixSignal.KILL);
    assertThat(PosixSignal.byNumber(0)).isEmpty();
  }
}
