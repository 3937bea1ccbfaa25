package dev.concord.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ClientPulseTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void heartbeatSeq_forwardedOncePerAdvance_nullAndJunkForwardNothing() {
    ClientPulse p = new ClientPulse(60_000_000_000L, 120, 0);
    assertThat(p.onHeartbeat(null, 1, true)).isZero();
    assertThat(p.onHeartbeat(JSON.readTree("null"), 2, true)).isZero();
    assertThat(p.onHeartbeat(JSON.readTree("\"7\""), 3, true)).isZero();
    assertThat(p.onHeartbeat(JSON.readTree("1.5"), 4, true)).isZero();
    assertThat(p.onHeartbeat(JSON.readTree("-3"), 5, true)).isZero();
    assertThat(p.onHeartbeat(JSON.readTree("99999999999999999999999"), 6, true)).as("past a long").isZero();
    assertThat(p.onHeartbeat(JSON.readTree("5"), 7, true)).isEqualTo(5);
    assertThat(p.onHeartbeat(JSON.readTree("5"), 8, true)).as("not past the last one").isZero();
    assertThat(p.onHeartbeat(JSON.readTree("4"), 9, true)).isZero();
    assertThat(p.onHeartbeat(JSON.readTree("9"), 10, true)).isEqualTo(9);
    p.resetAcked(); // op 9: a new session on the socket counts from 1 again
    assertThat(p.onHeartbeat(JSON.readTree("50"), 11, false)).as("not identified yet: nothing, and not remembered").isZero();
    assertThat(p.onHeartbeat(JSON.readTree("2"), 12, true)).isEqualTo(2);
  }

  @Test
  void silence_countsFromTheLastHeartbeat() {
    ClientPulse p = new ClientPulse(60_000_000_000L, 120, 100);
    assertThat(p.silentFor(50, 150)).isFalse();
    assertThat(p.silentFor(50, 151)).isTrue();
    p.onHeartbeat(null, 151, true);
    assertThat(p.silentFor(50, 200)).isFalse();
  }

  @Test
  void frames_limitedPerWindow_windowRestarts() {
    ClientPulse p = new ClientPulse(1_000, 3, 0);
    assertThat(p.allowFrame(10)).isTrue();
    assertThat(p.allowFrame(20)).isTrue();
    assertThat(p.allowFrame(30)).isTrue();
    assertThat(p.allowFrame(40)).isFalse();
    assertThat(p.allowFrame(1_041)).as("a new window").isTrue();
  }
}
