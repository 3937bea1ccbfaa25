package dev.concord.protocol;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Any string a client can put where a token goes: the verifier answers with a user or an {@link
 * InvalidTokenException}, never another exception, and never accepts what it did not sign.
 */
class TokenVerifierFuzzTest {
  /** Loaded at the first input, after Jazzer's agent is in place (so the verifier is instrumented). */
  private static final class Holder {
    static final String KEY = "fuzz-key-fuzz-key-fuzz-key-fuzz-key";
    static final TokenVerifier VERIFIER = new TokenVerifier(KEY);

    static javax.crypto.Mac mac() throws Exception {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
      return mac;
    }
  }

  @FuzzTest(maxDuration = "10s")
  @DictionaryFile(resourcePath = "tokens.dict")
  void anyToken(FuzzedDataProvider data) {
    String token = data.consumeRemainingAsString();
    try {
      Holder.VERIFIER.verifyClaims(token);
      // only a token the verifier signed can pass, and the fuzzer cannot forge HMAC-SHA256
      throw new AssertionError("accepted a token it did not sign: " + token);
    } catch (InvalidTokenException expected) {
      // the only answer for a bad token
    }
  }

  /**
   * A token whose header and claims are anything, correctly signed (what an issuer sharing the key
   * could mint, or a key that leaked): past the signature, the parsing of header and claims and the
   * exp / nbf / sub / ver checks answer with a user or an {@link InvalidTokenException}, nothing else.
   */
  @FuzzTest(maxDuration = "10s")
  @DictionaryFile(resourcePath = "tokens.dict")
  void anySignedToken(FuzzedDataProvider data) throws Exception {
    var b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    String header = data.consumeString(200);
    String claims = data.consumeRemainingAsString();
    String input =
        b64.encodeToString(header.getBytes(java.nio.charset.StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(claims.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String token = input + "." + b64.encodeToString(Holder.mac().doFinal(input.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    try {
      TokenVerifier.Verified v = Holder.VERIFIER.verifyClaims(token);
      if (v.userId() == 0) {
        throw new AssertionError("accepted user 0: " + claims);
      }
    } catch (InvalidTokenException expected) {
      // refused with a reason
    }
  }
}
