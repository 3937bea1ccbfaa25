package dev.concord.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WriteBudgetTest {
  @Test
  void sharesTheBudgetEvenly_withAFloor() {
    WriteBudget b = new WriteBudget(200L * 1_000_000); // a million outbound entries in all
    b.connectionsChanged(1_000);
    assertThat(b.entriesPerConnection()).isEqualTo(1_000);
    b.connectionsChanged(10_000);
    assertThat(b.entriesPerConnection()).isEqualTo(100);
    b.connectionsChanged(1_000_000);
    assertThat(b.entriesPerConnection()).isEqualTo(WriteBudget.MIN_ENTRIES);
    b.connectionsChanged(0);
    assertThat(b.entriesPerConnection()).isEqualTo(1_000_000);
  }

  @Test
  void heapPercent_isChecked() {
    assertThat(WriteBudget.ofHeapPercent(50).entriesPerConnection()).isPositive();
    assertThatThrownBy(() -> WriteBudget.ofHeapPercent(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WriteBudget.ofHeapPercent(95)).isInstanceOf(IllegalArgumentException.class);
  }
}
