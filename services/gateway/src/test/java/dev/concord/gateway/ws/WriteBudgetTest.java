package dev.concord.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WriteBudgetTest {
  @Test
  void sharesTheBudgetEvenly_withAFloor() {
    WriteBudget b = new WriteBudget(200_000_000L);
    b.connectionsChanged(1_000);
    assertThat(b.bytesPerConnection()).isEqualTo(200_000);
    b.connectionsChanged(4_000);
    assertThat(b.bytesPerConnection()).isEqualTo(50_000);
    b.connectionsChanged(1_000_000);
    assertThat(b.bytesPerConnection()).isEqualTo(WriteBudget.MIN_BYTES);
    b.connectionsChanged(0);
    assertThat(b.bytesPerConnection()).isEqualTo(200_000_000L);
  }

  @Test
  void heapPercent_isChecked() {
    assertThat(WriteBudget.ofHeapPercent(50).bytesPerConnection()).isPositive();
    assertThatThrownBy(() -> WriteBudget.ofHeapPercent(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WriteBudget.ofHeapPercent(95)).isInstanceOf(IllegalArgumentException.class);
  }
}
