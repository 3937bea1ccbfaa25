package dev.concord.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
  private static final String KEY = "0123456789abcdef0123456789abcdef";

  @Test
  void verify_signedToken_returnsSubject() throws Exception {
    TokenVerifier verifier = new TokenVerifier(KEY);
    String token = verifier.sign(123456789012345678L, 3600);
    assertThat(verifier.verify(token)).isEqualTo(123456789012345678L);
    assertThat(verifier.verify("Bot " + token)).isEqualTo(123456789012345678L);
    assertThat(verifier.verify("Bearer " + token)).isEqualTo(123456789012345678L);
  }

  @Test
  void versionedTokens_carryTheirVersion_andBotTokensNone() throws Exception {
    TokenVerifier verifier = new TokenVerifier(KEY);
    assertThat(verifier.verifyClaims(verifier.sign(42, 0, 7))).isEqualTo(new TokenVerifier.Verified(42, 7));
    TokenVerifier.Verified bot = verifier.verifyClaims(verifier.sign(42, 0));
    assertThat(bot.versioned()).isFalse();
    assertThat(verifier.verify(verifier.sign(42, 0, 0))).isEqualTo(42);
  }

  @Test
  void verify_otherKey_rejected() {
    String token = new TokenVerifier("another-key-another-key-another-key").sign(42, 0);
    assertThatThrownBy(() -> new TokenVerifier(KEY).verify(token))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("signature");
  }

  @Test
  void verify_tamperedClaims_rejected() {
    TokenVerifier verifier = new TokenVerifier(KEY);
    String[] parts = verifier.sign(42, 0).split("\\.");
    String forged =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("{\"sub\":\"43\"}".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> verifier.verify(parts[0] + "." + forged + "." + parts[2]))
        .isInstanceOf(InvalidTokenException.class);
  }

  @Test
  void verify_expired_rejected() {
    Clock past = Clock.fixed(Instant.parse("2020-01-01T00:00:00Z"), ZoneOffset.UTC);
    String token = new TokenVerifier(KEY.getBytes(StandardCharsets.UTF_8), past).sign(42, 60);
    assertThatThrownBy(() -> new TokenVerifier(KEY).verify(token))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining("expired");
  }

  @Test
  void verify_garbage_rejectedWithoutException() {
    TokenVerifier verifier = new TokenVerifier(KEY);
    for (String bad : new String[] {"", "abc", "a.b.c", "a.b.c.d", "....", "x".repeat(5000)}) {
      assertThatThrownBy(() -> verifier.verify(bad)).isInstanceOf(InvalidTokenException.class);
    }
  }

  @Test
  void constructor_shortKey_rejected() {
    assertThatThrownBy(() -> new TokenVerifier("short"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: >= 32");
  }
}
