package dev.quiesce.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.lifecycle.EventBusContract.SignalAction;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One rule from a {@code lifecycle.signals} value to the command it triggers and the action it publishes. */
class SignalMappingTest {

  @Test
  void theMappingsThatTriggerACommandAreExactlyTheStateChangingCommands() {
    assertThat(Arrays.stream(SignalMapping.values()).map(SignalMapping::command).flatMap(Optional::stream))
        .containsExactlyInAnyOrderElementsOf(LifecycleCommand.stateChanging());
    for (SignalMapping mapping : SignalMapping.values()) {
      mapping.command().ifPresent(command -> {
        assertThat(command.wireName()).isEqualTo(mapping.wireName());
        assertThat(mapping.action().command()).contains(command);
      });
    }
  }

  @Test
  void ignoreAndDefaultTriggerNothingAndOnlyDefaultIsNotCaught() {
    assertThat(SignalMapping.IGNORE.action()).isEqualTo(SignalAction.NONE);
    assertThat(SignalMapping.IGNORE.command()).isEmpty();
    assertThat(SignalMapping.DEFAULT.command()).isEmpty();
    assertThat(Arrays.stream(SignalMapping.values()).filter(m -> !m.caught())).containsExactly(SignalMapping.DEFAULT);
  }

  @Test
  void theConfigurationValuesAreTheWireNames() {
    assertThat(SignalMapping.wireNames()).containsExactly("stop", "reload", "drain", "resume", "upgrade", "ignore", "default");
    assertThat(SignalMapping.fromWire("reload")).contains(SignalMapping.RELOAD);
    assertThat(SignalMapping.fromWire("RELOAD")).isEmpty();
  }
}
