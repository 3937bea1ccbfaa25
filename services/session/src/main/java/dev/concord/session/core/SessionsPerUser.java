package dev.concord.session.core;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bound on live sessions per user (detached ones waiting for a RESUME count): all of a
 * user's sessions live on the session pod that owns the user, so one pod's count is the user's.
 *
 * <p>Concurrency: any thread (a concurrent map of counts; an entry exists while the user has one).
 */
final class SessionsPerUser {
  /** Room for a bot's shards, not for a token leaked to a botnet. */
  static final int DEFAULT_MAX = 1000;

  private final ConcurrentHashMap<Long, Integer> counts = new ConcurrentHashMap<>();
  private final LongAdder refused = new LongAdder();
  private volatile int max = DEFAULT_MAX;

  void max(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max sessions per user out of range: " + max + " (expected: >= 1)");
    }
    this.max = max;
  }

  int max() {
    return max;
  }

  /** Counts one more session of {@code userId}; false (nothing counted) if it holds its maximum. */
  boolean tryAdd(long userId) {
    boolean[] admitted = {false};
    counts.compute(
        userId,
        (u, n) -> {
          int now = n == null ? 0 : n;
          admitted[0] = now < max;
          return admitted[0] ? now + 1 : now;
        });
    if (!admitted[0]) {
      refused.increment();
    }
    return admitted[0];
  }

  /** One session of {@code userId} ended. */
  void remove(long userId) {
    counts.computeIfPresent(userId, (u, n) -> n <= 1 ? null : n - 1);
  }

  long refused() {
    return refused.sum();
  }
}
