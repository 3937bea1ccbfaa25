package dev.concord.gateway.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RestApiTest {
  @Test
  void seconds_threeDecimals_asRateLimitHeadersNeedThem() {
    assertThat(RestApi.seconds(5_000)).isEqualTo("5.000");
    assertThat(RestApi.seconds(1_796_014_765_476L)).isEqualTo("1796014765.476");
    assertThat(RestApi.seconds(7)).isEqualTo("0.007");
    assertThat(RestApi.seconds(42)).isEqualTo("0.042");
  }
}
