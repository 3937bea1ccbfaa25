package dev.concord.gateway.auth;

import dev.concord.protocol.InvalidTokenException;
import dev.concord.protocol.TokenVerifier;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * Token checks at the edge. The signature is checked here, synchronously (HMAC, no I/O). An
 * account token (one with a version: people who logged in) is also checked against the user's
 * current token version: a logout bumps it, and every token signed with an older one stops
 * working. Bot tokens carry no version and skip that check.
 *
 * <p>Versions are cached per user for {@code ttlMs}: the pod that serves a logout tells every
 * gateway pod at once ({@link #revoked}); the time-to-live only bounds how long a pod that missed
 * that message (unreachable then) keeps accepting a revoked token. A miss asks the store through
 * {@code fetch} (the current version, {@link TokenVerifier#UNVERSIONED} for a user without an
 * account). The cache is bounded by {@code maxEntries} (expired entries dropped past it, then all).
 *
 * <p>Concurrency: thread-safe; versions only grow, so concurrent updates keep the highest.
 */
public final class AccountTokens {
  private record Known(int version, long atMs) {}

  private final TokenVerifier verifier;
  private final LongFunction<CompletableFuture<Integer>> fetch;
  private final long ttlMs;
  private final int maxEntries;
  private final Clock clock;
  private final ConcurrentHashMap<Long, Known> versions = new ConcurrentHashMap<>();

  public AccountTokens(TokenVerifier verifier, LongFunction<CompletableFuture<Integer>> fetch, long ttlMs, int maxEntries, Clock clock) {
    this.verifier = verifier;
    this.fetch = fetch;
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
    this.clock = clock;
  }

  /** The signature check: the token's user and version, or {@link InvalidTokenException}. */
  public TokenVerifier.Verified verify(String token) throws InvalidTokenException {
    return verifier.verifyClaims(token);
  }

  /**
   * Whether a verified token's version is still its user's current one (always true for tokens
   * without a version). Fails when the version cannot be learned (the store is unreachable).
   */
  public CompletableFuture<Boolean> current(TokenVerifier.Verified token) {
    if (!token.versioned()) {
      return CompletableFuture.completedFuture(true);
    }
    long now = clock.millis();
    Known k = versions.get(token.userId());
    if (k != null && now - k.atMs() < ttlMs) {
      return CompletableFuture.completedFuture(k.version() == token.version());
    }
    return fetch.apply(token.userId())
        .thenApply(
            v -> {
              Known merged = remember(token.userId(), v, clock.millis());
              return merged.version() == token.version();
            });
  }

  /** The user's tokens below {@code version} were revoked (learned from the pod that served the logout). */
  public void revoked(long userId, int version) {
    remember(userId, version, clock.millis());
  }

  private Known remember(long userId, int version, long now) {
    if (versions.size() >= maxEntries && !versions.containsKey(userId)) {
      versions.values().removeIf(x -> now - x.atMs() >= ttlMs);
      if (versions.size() >= maxEntries) {
        versions.clear();
      }
    }
    return versions.merge(userId, new Known(version, now), (old, fresh) -> fresh.version() >= old.version() ? fresh : new Known(old.version(), now));
  }
}
