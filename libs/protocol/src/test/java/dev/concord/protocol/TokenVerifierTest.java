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

  /** A token with any header and claims, signed with {@code key} as HS256 would be (what an issuer sharing the key could mint). */
  private static String signed(String key, String headerJson, String claimsJson) throws Exception {
    var b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    String input =
        b64.encodeToString(headerJson.getBytes(StandardCharsets.UTF_8)) + "." + b64.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return input + "." + b64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }

  private static final String HS256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

  @Test
  void algOtherThanHs256_rejectedEvenWithAValidMac() throws Exception {
    String none = signed(KEY, "{\"alg\":\"none\"}", "{\"sub\":\"42\"}");
    assertThatThrownBy(() -> new TokenVerifier(KEY).verify(none)).hasMessageContaining("algorithm");
  }

  @Test
  void expAndNbf_mustBeTimes_andAreEnforced() throws Exception {
    TokenVerifier v = new TokenVerifier(KEY);
    long now = System.currentTimeMillis() / 1000;
    // a string exp used to be ignored: such a token never expired
    assertThatThrownBy(() -> v.verify(signed(KEY, HS256, "{\"sub\":\"42\",\"exp\":\"9999999999\"}")))
        .hasMessageContaining("expiry is not a time");
    assertThatThrownBy(() -> v.verify(signed(KEY, HS256, "{\"sub\":\"42\",\"nbf\":" + (now + 3600) + "}")))
        .hasMessageContaining("not valid yet");
    assertThatThrownBy(() -> v.verify(signed(KEY, HS256, "{\"sub\":\"42\",\"nbf\":\"soon\"}")))
        .hasMessageContaining("not-before is not a time");
    // past a long's range: refused as a bad token, not an exception of another kind
    assertThatThrownBy(() -> v.verify(signed(KEY, HS256, "{\"sub\":\"42\",\"exp\":99999999999999999999}")))
        .isInstanceOf(InvalidTokenException.class);
    assertThatThrownBy(() -> v.verify(signed(KEY, HS256, "{\"sub\":\"42\",\"nbf\":-99999999999999999999}")))
        .isInstanceOf(InvalidTokenException.class);
    // within the leeway, and in the past: valid
    assertThat(v.verify(signed(KEY, HS256, "{\"sub\":\"42\",\"nbf\":" + (now + 10) + "}"))).isEqualTo(42);
    assertThat(v.verify(signed(KEY, HS256, "{\"sub\":\"42\",\"nbf\":" + (now - 10) + ",\"exp\":" + (now + 60) + "}"))).isEqualTo(42);
  }

  @Test
  void unsignedGarbage_isRefusedAtTheSignature_beforeItsClaimsAreRead() throws Exception {
    // claims that would not even parse: the signature check comes first and says so
    String garbage = "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.AAAA";
    assertThatThrownBy(() -> new TokenVerifier(KEY).verify(garbage)).hasMessageContaining("signature");
  }

  @Test
  void keyRotation_previousKeyAcceptedUntilItsWindowCloses() throws Exception {
    String oldKey = "old-key-old-key-old-key-old-key-!";
    String newKey = "new-key-new-key-new-key-new-key-!";
    String oldToken = new TokenVerifier(oldKey).sign(42, 0);
    Instant until = Instant.parse("2030-01-01T00:00:00Z");
    TokenVerifier during =
        new TokenVerifier(
            newKey.getBytes(StandardCharsets.UTF_8),
            oldKey.getBytes(StandardCharsets.UTF_8),
            until,
            Clock.fixed(until.minusSeconds(1), ZoneOffset.UTC));
    assertThat(during.verify(oldToken)).isEqualTo(42);
    assertThat(during.verify(during.sign(43, 0))).isEqualTo(43); // new tokens: the new key
    TokenVerifier after =
        new TokenVerifier(newKey.getBytes(StandardCharsets.UTF_8), oldKey.getBytes(StandardCharsets.UTF_8), until, Clock.fixed(until, ZoneOffset.UTC));
    assertThatThrownBy(() -> after.verify(oldToken)).hasMessageContaining("signature");
    assertThatThrownBy(() -> new TokenVerifier(newKey).verify(oldToken)).hasMessageContaining("signature");
  }
}
