package dev.concord.protocol;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * HS256-signed JWTs whose {@code sub} is the user id (a snowflake, as a decimal string). Accepts
 * the raw token or one prefixed with {@code Bot } or {@code Bearer }, as Discord clients send them.
 *
 * <p>Concurrency: shared freely; each thread keeps its own keyed {@link Mac} (creating one per
 * call, a provider lookup and a key schedule, was half of the verifier's cost in a connect storm's
 * profile).
 */
public final class TokenVerifier {
  /** Tokens longer than this are rejected before any decoding. */
  public static final int MAX_TOKEN_LENGTH = 2048;

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Base64.Decoder B64 = Base64.getUrlDecoder();
  private static final Base64.Encoder B64E = Base64.getUrlEncoder().withoutPadding();
  private static final String HEADER =
      B64E.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

  private final byte[] key;
  private final Clock clock;
  private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

  public TokenVerifier(byte[] key, Clock clock) {
    if (key.length < 32) {
      throw new IllegalArgumentException(
          "token key too short: " + key.length + " bytes (expected: >= 32)");
    }
    this.key = key.clone();
    this.clock = clock;
  }

  public TokenVerifier(String key) {
    this(key.getBytes(StandardCharsets.UTF_8), Clock.systemUTC());
  }

  /** A verified token: its user and token version ({@link #UNVERSIONED} for bot tokens). */
  public record Verified(long userId, int version) {
    public boolean versioned() {
      return version != UNVERSIONED;
    }
  }

  /** The version of tokens without a {@code ver} claim (bots: revoked only by a new key). */
  public static final int UNVERSIONED = -1;

  /** Signs a token for {@code userId}, valid for {@code ttlSeconds} (0: no expiry), without a version. */
  public String sign(long userId, long ttlSeconds) {
    return sign(userId, ttlSeconds, UNVERSIONED);
  }

  /**
   * Signs a token for {@code userId}, valid for {@code ttlSeconds} (0: no expiry), carrying the
   * account's token {@code version} (a {@code ver} claim; {@link #UNVERSIONED}: none). Whoever
   * accepts a versioned token also checks the version is still the user's current one.
   */
  public String sign(long userId, long ttlSeconds, int version) {
    long now = clock.millis() / 1000;
    String claims =
        "{\"sub\":\""
            + Long.toUnsignedString(userId)
            + "\",\"iat\":"
            + now
            + (ttlSeconds > 0 ? ",\"exp\":" + (now + ttlSeconds) : "")
            + (version != UNVERSIONED ? ",\"ver\":" + version : "")
            + "}";
    String signingInput = HEADER + "." + B64E.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    return signingInput + "." + B64E.encodeToString(hmac(signingInput));
  }

  /** Returns the user id of a valid token (its version unchecked: see {@link #verifyClaims}). */
  public long verify(String token) throws InvalidTokenException {
    return verifyClaims(token).userId();
  }

  /** The user and token version of a valid token. */
  public Verified verifyClaims(String token) throws InvalidTokenException {
    if (token.startsWith("Bot ")) {
      token = token.substring(4);
    } else if (token.startsWith("Bearer ")) {
      token = token.substring(7);
    }
    if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      throw new InvalidTokenException("token length out of range (expected: 1.." + MAX_TOKEN_LENGTH + ")");
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot1 < 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
      throw new InvalidTokenException("malformed token (expected: header.claims.signature)");
    }
    String signingInput = token.substring(0, dot2);
    byte[] signature;
    JsonNode header;
    JsonNode claims;
    try {
      signature = B64.decode(token.substring(dot2 + 1));
      header = JSON.readTree(B64.decode(token.substring(0, dot1)));
      claims = JSON.readTree(B64.decode(token.substring(dot1 + 1, dot2)));
    } catch (RuntimeException e) {
      throw new InvalidTokenException("malformed token encoding");
    }
    if (!"HS256".equals(header.path("alg").asString(""))) {
      throw new InvalidTokenException("unsupported token algorithm (expected: HS256)");
    }
    if (!MessageDigest.isEqual(signature, hmac(signingInput))) {
      throw new InvalidTokenException("bad token signature");
    }
    JsonNode exp = claims.get("exp");
    if (exp != null && exp.isNumber() && exp.asLong() <= clock.millis() / 1000) {
      throw new InvalidTokenException("token expired");
    }
    String sub = claims.path("sub").asString("");
    try {
      long userId = Long.parseUnsignedLong(sub);
      if (userId == 0) {
        throw new NumberFormatException();
      }
      JsonNode ver = claims.get("ver");
      if (ver == null) {
        return new Verified(userId, UNVERSIONED);
      }
      if (!ver.isInt() || ver.asInt() < 0) {
        throw new InvalidTokenException("token version is not a count");
      }
      return new Verified(userId, ver.asInt());
    } catch (NumberFormatException e) {
      throw new InvalidTokenException("token subject is not a user id");
    }
  }

  private byte[] hmac(String input) {
    // doFinal resets the Mac for the next input
    return macs.get().doFinal(input.getBytes(StandardCharsets.US_ASCII));
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
