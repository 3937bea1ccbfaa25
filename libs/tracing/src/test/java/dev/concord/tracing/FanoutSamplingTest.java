package dev.concord.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FanoutSamplingTest {
  @Test
  void discordsCurveByDefault() {
    FanoutSampling s = FanoutSampling.DEFAULT;
    assertThat(s.rate(1)).isEqualTo(1.0);
    assertThat(s.rate(100)).isCloseTo(0.1, within(1e-9));
    assertThat(s.rate(10_000)).isCloseTo(0.001, within(1e-12));
    assertThat(s.rate(1_000_000)).isCloseTo(0.001, within(1e-12)); // flat past the last point
    // log-log between the points: 10 recipients -> 10^-0.5
    assertThat(s.rate(10)).isCloseTo(Math.pow(10, -0.5), within(1e-9));
    assertThat(s.stride(1)).isEqualTo(1);
    assertThat(s.stride(100)).isEqualTo(10);
    assertThat(s.stride(10_000)).isEqualTo(1000);
  }

  @Test
  void ratesNeverGrowWithRecipients() {
    double last = 1;
    for (long n = 1; n < 200_000; n = n * 3 / 2 + 1) {
      double r = FanoutSampling.DEFAULT.rate(n);
      assertThat(r).isLessThanOrEqualTo(last + 1e-12).isGreaterThan(0);
      last = r;
    }
  }

  @Test
  void badCurvesAreRefusedWithTheReason() {
    assertThatThrownBy(() -> FanoutSampling.parse("1:1,100")).hasMessageContaining("recipients:rate");
    assertThatThrownBy(() -> FanoutSampling.parse("1:1,1:0.5")).hasMessageContaining("must increase");
    assertThatThrownBy(() -> FanoutSampling.parse("1:2")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> FanoutSampling.parse("1:x")).hasMessageContaining("not numeric");
  }
}
