package dev.concord.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The gateway's settings as Spring binds them: defaults, refusals, and keys kept out of logs. */
class GatewayPropertiesTest {
  private static GatewayProperties bind(Map<String, String> values) {
    return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("concord.gateway", GatewayProperties.class);
  }

  @Test
  void toString_neverShowsTheTokenKeys() {
    String secret = "a-very-secret-key-that-must-not-leak-0123";
    String previous = "the-previous-secret-key-must-not-leak-xyz";
    GatewayProperties p = bind(Map.of("concord.gateway.token-secret", secret, "concord.gateway.token-secret-previous", previous));
    assertThat(p.toString()).doesNotContain(secret).doesNotContain(previous).contains("hidden");
  }

  @Test
  void defaults_areTheDocumentedLimits() {
    GatewayProperties p = bind(Map.of("concord.gateway.token-secret", "x".repeat(32)));
    assertThat(p.maxFrameBytes()).isEqualTo(4096);
    assertThat(p.identifyTimeout()).hasSeconds(20);
    assertThat(p.maxConnections()).isEqualTo(50_000);
    assertThat(p.maxConnectionsPerAddress()).isEqualTo(1000);
    assertThat(p.zstdLevel()).isEqualTo(6);
  }

  @Test
  void aShortPreviousKey_isRefused() {
    assertThatThrownBy(() -> bind(Map.of("concord.gateway.token-secret", "x".repeat(32), "concord.gateway.token-secret-previous", "short")))
        .hasStackTraceContaining("token-secret-previous must be at least 32 characters");
  }
}
