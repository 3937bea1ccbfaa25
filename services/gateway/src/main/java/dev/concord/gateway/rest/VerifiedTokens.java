package dev.concord.gateway.rest;

import dev.concord.protocol.InvalidTokenException;
import dev.concord.gateway.auth.AccountTokens;
import dev.concord.protocol.TokenVerifier;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token checks for REST requests, with the answer kept for a short while: a bot sends the same
 * token on every request, and an HMAC-SHA256 verification cost ~11 % of the REST edge's CPU in a
 * profile of {@code make bench-rest}. A token is re-verified at least every {@code ttlMs} (so an
 * expired token stops working within that time), and the cache is bounded ({@code maxEntries};
 * cleared past it). Invalid tokens are never cached. Only the signature check is cached: an
 * account token's version is checked by {@link AccountTokens#current} on every request (itself
 * cached per user, and told at once of a revocation).
 *
 * <p>Concurrency: a concurrent map of immutable entries.
 */
final class VerifiedTokens {
  private record Entry(TokenVerifier.Verified token, long verifiedAtMs) {}

  private final AccountTokens verifier;
  private final long ttlMs;
  private final int maxEntries;
  private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();

  VerifiedTokens(AccountTokens verifier, long ttlMs, int maxEntries) {
    this.verifier = verifier;
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  /** The user and version of a validly signed token. */
  TokenVerifier.Verified verify(String token) throws InvalidTokenException {
    long now = System.currentTimeMillis();
    Entry e = cache.get(token);
    if (e != null && now - e.verifiedAtMs() < ttlMs) {
      return e.token();
    }
    TokenVerifier.Verified v = verifier.verify(token);
    if (cache.size() >= maxEntries) {
      cache.clear();
    }
    cache.put(token, new Entry(v, now));
    return v;
  }
}
