package dev.concord.protocol;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * HS256-signed JWTs whose {@code sub} is the user id (a snowflake, as a decimal string). Accepts
 * the raw token or one prefixed with {@code Bot } or {@code Bearer }, as Discord clients send them.
 *
 * <p>Checks, in order: length (at most {@link #MAX_TOKEN_LENGTH}, before any decoding), shape, the
 * HMAC-SHA256 signature compared in constant time (before anything the token says is parsed; with
 * the previous key too while a rotation window is open), {@code alg} pinned to HS256, {@code exp}
 * and {@code nbf} (integers when present, else refused; {@code nbf} with {@value
 * #NOT_BEFORE_LEEWAY_SECONDS} s of leeway), {@code sub} a non-zero user id, {@code ver} a count.
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

  /** Seconds a token's {@code nbf} may lie ahead of this clock (issuers' clocks drift). */
  public static final long NOT_BEFORE_LEEWAY_SECONDS = 30;

  private final byte[] key;
  private final Clock clock;
  private final ThreadLocal<Mac> macs;
  // key rotation: tokens signed with the previous key stay valid until previousUntil
  private final byte @Nullable [] previousKey;
  private final java.time.Instant previousUntil;
  private final @Nullable ThreadLocal<Mac> previousMacs;

  public TokenVerifier(byte[] key, Clock clock) {
    this(key, null, java.time.Instant.MIN, clock);
  }

  /**
   * A verifier during a key rotation: tokens are signed with {@code key}; tokens signed with
   * {@code previousKey} are still accepted until {@code previousUntil} (then only {@code key}).
   */
  public TokenVerifier(byte[] key, byte @Nullable [] previousKey, java.time.Instant previousUntil, Clock clock) {
    if (key.length < 32) {
      throw new IllegalArgumentException(
          "token key too short: " + key.length + " bytes (expected: >= 32)");
    }
    if (previousKey != null && previousKey.length < 32) {
      throw new IllegalArgumentException(
          "previous token key too short: " + previousKey.length + " bytes (expected: >= 32)");
    }
    this.key = key.clone();
    byte[] current = this.key;
    this.macs = ThreadLocal.withInitial(() -> newMac(current));
    this.clock = clock;
    this.previousKey = previousKey == null ? null : previousKey.clone();
    this.previousUntil = previousUntil;
    byte[] prev = this.previousKey;
    this.previousMacs = prev == null ? null : ThreadLocal.withInitial(() -> newMac(prev));
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
    try {
      signature = B64.decode(token.substring(dot2 + 1));
    } catch (RuntimeException e) {
      throw new InvalidTokenException("malformed token encoding");
    }
    // the signature first: nothing an unsigned token says is parsed
    if (!signedWithAKey(signature, signingInput)) {
      throw new InvalidTokenException("bad token signature");
    }
    JsonNode header;
    JsonNode claims;
    try {
      header = JSON.readTree(B64.decode(token.substring(0, dot1)));
      claims = JSON.readTree(B64.decode(token.substring(dot1 + 1, dot2)));
    } catch (RuntimeException e) {
      throw new InvalidTokenException("malformed token encoding");
    }
    if (!"HS256".equals(header.path("alg").asString(""))) {
      throw new InvalidTokenException("unsupported token algorithm (expected: HS256)");
    }
    long now = clock.millis() / 1000;
    JsonNode exp = claims.get("exp");
    if (exp != null && (!exp.isIntegralNumber() || !exp.canConvertToLong() || exp.asLong() <= now)) {
      throw new InvalidTokenException(exp.isIntegralNumber() && exp.canConvertToLong() ? "token expired" : "token expiry is not a time");
    }
    JsonNode nbf = claims.get("nbf");
    if (nbf != null && (!nbf.isIntegralNumber() || !nbf.canConvertToLong() || nbf.asLong() > now + NOT_BEFORE_LEEWAY_SECONDS)) {
      throw new InvalidTokenException(
          nbf.isIntegralNumber() && nbf.canConvertToLong() ? "token not valid yet" : "token not-before is not a time");
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

  /** Constant-time comparison with the current key's signature, then (during a rotation) the previous key's. */
  private boolean signedWithAKey(byte[] signature, String signingInput) {
    if (MessageDigest.isEqual(signature, hmac(signingInput))) {
      return true;
    }
    ThreadLocal<Mac> previous = previousMacs;
    return previous != null
        && clock.instant().isBefore(previousUntil)
        && MessageDigest.isEqual(signature, previous.get().doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }

  private byte[] hmac(String input) {
    // doFinal resets the Mac for the next input
    return macs.get().doFinal(input.getBytes(StandardCharsets.US_ASCII));
  }

  private static Mac newMac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
