package dev.concord.session.core;

import java.time.Duration;

/**
 * Who may start a session on this pod, which owns every session of its users: at most {@link
 * SessionsPerUser a bound of live sessions per user} (one more IDENTIFY: close 4008), and a bot's
 * shards no faster than {@link IdentifyBuckets its max_concurrency buckets} allow (sooner:
 * INVALID_SESSION). Configured before serving; any thread after.
 */
public final class SessionAdmission {
  private final SessionsPerUser perUser = new SessionsPerUser();
  private volatile IdentifyBuckets buckets = buckets(1, Duration.ofSeconds(5));

  /** Live sessions one user may hold at once (default {@value SessionsPerUser#DEFAULT_MAX}). */
  public SessionAdmission maxSessionsPerUser(int max) {
    perUser.max(max);
    return this;
  }

  /** A bot's bucket ({@code shard_id % maxConcurrency}) starts one session per {@code window} (zero: no buckets; default 1 per 5 s). */
  public SessionAdmission identifyBuckets(int maxConcurrency, Duration window) {
    buckets = buckets(maxConcurrency, window);
    return this;
  }

  private static IdentifyBuckets buckets(int maxConcurrency, Duration window) {
    return new IdentifyBuckets(maxConcurrency, window, 100_000, () -> System.nanoTime() / 1_000_000);
  }

  /** Identifies closed 4008: the user held its maximum of sessions. */
  public long tooManySessions() {
    return perUser.refused();
  }

  /** Bot identifies answered INVALID_SESSION: too soon after another of their bucket. */
  public long tooSoon() {
    return buckets.refused();
  }

  int maxSessionsPerUser() {
    return perUser.max();
  }

  boolean tryAdd(long userId) {
    return perUser.tryAdd(userId);
  }

  void remove(long userId) {
    perUser.remove(userId);
  }

  boolean tryStartBot(long botId, int shardId) {
    return buckets.tryStart(botId, shardId);
  }
}
