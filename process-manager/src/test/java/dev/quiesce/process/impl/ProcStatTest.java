package dev.quiesce.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcStatTest {

  @Test
  void parsesACommandNameWithSpacesAndParentheses() {
    String line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 50";
    ProcStat s = ProcStat.parse(4242, line);
    assertThat(s.state()).isEqualTo('S');
    assertThat(s.ppid()).isEqualTo(1);
    assertThat(s.pgrp()).isEqualTo(4242);
    assertThat(s.session()).isEqualTo(4242);
    assertThat(s.startTime()).isEqualTo(987654L);
  }

  @Test
  void readsThisJvmAndTellsAReusedPidFromTheSameProcess() {
    int self = (int) ProcessHandle.current().pid();
    long start = ProcStat.startTime(self).orElseThrow();
    assertThat(ProcStat.isSameProcess(self, start)).isTrue();
    assertThat(ProcStat.isSameProcess(self, start - 1)).isFalse();
    assertThat(ProcStat.of(99_999_999)).isNull();
  }
}
