package dev.concord.session.core;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Discord's {@code max_concurrency} for bots: a bot's shards fall in {@code maxConcurrency} buckets
 * ({@code shard_id % max_concurrency}), and each bucket starts at most one session per {@code
 * window} (5 s). A bot's IDENTIFY too soon after another of its bucket is answered INVALID_SESSION
 * ({@code d: false}) and starts nothing; the client waits and identifies again, as the client
 * libraries do (they pace their shards by the {@code max_concurrency} that {@code GET
 * /gateway/bot} reports, so a well-behaved bot never meets it). Users have no buckets.
 *
 * <p>Checked on the session pod, which owns every session of a user: one count for the cluster,
 * whichever gateway the shards connect to.
 *
 * <p>Bounds: one array of {@code maxConcurrency} start times per bot that started a session; an
 * entry stays until the map is full ({@code maxBots}, and at most {@link #MAX_START_TIMES} start
 * times in all, 64 MiB), then the expired ones are dropped (and all of them if none is: a bot
 * forgotten early may start one session sooner than its window, nothing worse).
 *
 * <p>Clock: monotonic milliseconds (a wall clock stepped back would hold every bucket shut).
 * Concurrency: any thread (a concurrent map, each entry updated under its own lock).
 */
final class IdentifyBuckets {
  /** Start times kept at most, over all bots (8 bytes each). */
  static final int MAX_START_TIMES = 8 << 20;

  private final int maxConcurrency;
  private final long windowMs;
  private final int maxBots;
  private final LongSupplier clock;
  private final ConcurrentHashMap<Long, long[]> lastStarts = new ConcurrentHashMap<>();
  private final LongAdder refused = new LongAdder();

  /** {@code window} zero: no buckets. */
  IdentifyBuckets(int maxConcurrency, java.time.Duration window, int maxBots, LongSupplier clockMs) {
    if (maxConcurrency < 1 || maxConcurrency > 1024) {
      throw new IllegalArgumentException("max-concurrency out of range: " + maxConcurrency + " (expected: 1..1024)");
    }
    this.maxConcurrency = maxConcurrency;
    this.windowMs = window.toMillis();
    this.maxBots = Math.max(1, Math.min(maxBots, MAX_START_TIMES / maxConcurrency));
    this.clock = clockMs;
  }

  /** Takes the bucket of {@code shardId} for {@code botId}; false (nothing taken) if it started a session within the window. */
  boolean tryStart(long botId, int shardId) {
    if (windowMs <= 0) {
      return true;
    }
    long now = clock.getAsLong();
    if (lastStarts.size() >= maxBots && !lastStarts.containsKey(botId)) {
      lastStarts.values().removeIf(starts -> Arrays.stream(starts).allMatch(t -> now - t >= windowMs));
      if (lastStarts.size() >= maxBots) {
        lastStarts.clear();
      }
    }
    long[] starts =
        lastStarts.computeIfAbsent(
            botId,
            id -> {
              long[] a = new long[maxConcurrency];
              Arrays.fill(a, Long.MIN_VALUE / 2);
              return a;
            });
    int bucket = Math.floorMod(shardId, maxConcurrency);
    synchronized (starts) {
      if (now - starts[bucket] < windowMs) {
        refused.increment();
        return false;
      }
      starts[bucket] = now;
      return true;
    }
  }

  /** Identifies refused as too soon for their bucket. */
  long refused() {
    return refused.sum();
  }
}
