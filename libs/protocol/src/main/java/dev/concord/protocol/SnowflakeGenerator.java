package dev.concord.protocol;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Discord snowflakes: 42 bits of milliseconds since 2015-01-01T00:00:00Z, 5 bits worker, 5 bits
 * process, 12 bits increment.
 *
 * <p>Concurrency: lock-free. The last issued id lives in one {@link AtomicLong}; a new id is
 * {@code max(last + 1, now << 22 | node)} installed by CAS, so ids are unique and strictly
 * increasing per generator even when the clock stands still or steps back (the increment then
 * borrows from the future millisecond, never repeats). Uniqueness across pods comes from the
 * 10-bit node id, which must differ per pod.
 */
public final class SnowflakeGenerator {
  /** 2015-01-01T00:00:00Z in Unix milliseconds. */
  public static final long DISCORD_EPOCH_MS = 1_420_070_400_000L;

  private static final int NODE_BITS = 10;
  private static final int INCREMENT_BITS = 12;
  private static final long MAX_NODE = (1L << NODE_BITS) - 1;

  private final Clock clock;
  private final long nodeBits;
  private final AtomicLong last = new AtomicLong();

  /**
   * @param workerId 0..31
   * @param processId 0..31
   */
  public SnowflakeGenerator(int workerId, int processId, Clock clock) {
    if (workerId < 0 || workerId > 31) {
      throw new IllegalArgumentException("workerId out of range: " + workerId + " (expected: 0..31)");
    }
    if (processId < 0 || processId > 31) {
      throw new IllegalArgumentException(
          "processId out of range: " + processId + " (expected: 0..31)");
    }
    this.clock = clock;
    this.nodeBits = ((long) workerId << 17) | ((long) processId << 12);
  }

  public SnowflakeGenerator(int workerId, int processId) {
    this(workerId, processId, Clock.systemUTC());
  }

  /** A generator whose 10 node bits are {@code node} (0..1023). */
  public static SnowflakeGenerator forNode(int node) {
    if (node < 0 || node > MAX_NODE) {
      throw new IllegalArgumentException("node out of range: " + node + " (expected: 0..1023)");
    }
    return new SnowflakeGenerator(node >> 5, node & 31);
  }

  public long next() {
    long floor = ((clock.millis() - DISCORD_EPOCH_MS) << (NODE_BITS + INCREMENT_BITS)) | nodeBits;
    while (true) {
      long prev = last.get();
      long candidate;
      if (floor > prev) {
        candidate = floor;
      } else {
        // Same (or earlier) millisecond: bump the increment; on 4096 ids in one ms, roll into the
        // next millisecond while keeping the node bits.
        long increment = (prev & 0xFFF) + 1;
        candidate =
            increment > 0xFFF
                ? ((prev >>> 22) + 1) << 22 | nodeBits
                : (prev & ~0xFFFL) | increment;
      }
      if (last.compareAndSet(prev, candidate)) {
        return candidate;
      }
    }
  }

  /**
   * Makes every later {@link #next()} greater than {@code id}, even if this clock is behind the
   * one that made {@code id} (a guild moving between pods keeps its message ids increasing).
   */
  public void advancePast(long id) {
    long bound = ((id >>> (NODE_BITS + INCREMENT_BITS)) << (NODE_BITS + INCREMENT_BITS)) | nodeBits | 0xFFF;
    last.accumulateAndGet(bound, Math::max);
  }

  /** The creation time encoded in a snowflake. */
  public static Instant timestamp(long snowflake) {
    return Instant.ofEpochMilli((snowflake >>> 22) + DISCORD_EPOCH_MS);
  }
}
