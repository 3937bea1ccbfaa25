package dev.concord.gateway.ws;

import dev.concord.gateway.config.GatewayProperties;
import java.time.Duration;
import org.springframework.util.unit.DataSize;

/** Gateway settings for tests that build a connection by hand: the defaults, but what they vary. */
final class TestGatewayProperties {
  private TestGatewayProperties() {}

  /** {@code rateLimitFrames} commands per 60 s, a 1 MiB write buffer, no registry, no connection limits. */
  static GatewayProperties of(String podId, String secret, int rateLimitFrames) {
    return new GatewayProperties(
        podId, "", "ws://x", "127.0.0.1:1", secret, Duration.ofSeconds(40), Duration.ofSeconds(5), 4096, rateLimitFrames,
        Duration.ofSeconds(60), 1 << 20, 50, 16, 16, Duration.ofSeconds(1), 20, Duration.ofSeconds(5), 50, Duration.ofSeconds(1), 1000,
        Duration.ofSeconds(10), 1000, 1000, Duration.ofDays(1), 1, Duration.ofDays(30), Duration.ofSeconds(30), 10, 30,
        Duration.ofMinutes(5), 10, Duration.ofHours(1), 1, 4, 3, 17, Duration.ofSeconds(20), 0, 0, "", java.time.Instant.EPOCH,
        Duration.ofSeconds(2), DataSize.ofMegabytes(256), 262_144);
  }
}
