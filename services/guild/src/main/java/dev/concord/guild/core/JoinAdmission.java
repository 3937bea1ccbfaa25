package dev.concord.guild.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounded admission of calls that must wait for a guild's activation (loading its state): at most
 * {@code maxPending} calls wait at once; the next one is refused at once (RESOURCE_EXHAUSTED with a
 * retry-after hint) instead of queueing, so a reconnect storm cannot grow this pod's queues, heap or
 * latency without bound. Activations themselves run on a fixed pool (the concurrency bound).
 *
 * <p>Concurrency: counters only (atomics); callers enter before queueing and exit when done.
 */
public final class JoinAdmission {
  private final int maxPending;
  private final long retryAfterMs;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger peakPending = new AtomicInteger();
  private final LongAdder rejected = new LongAdder();
  private final AtomicLong activations = new AtomicLong();
  private final AtomicLong activationNanos = new AtomicLong();

  public JoinAdmission(int maxPending, long retryAfterMs) {
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending out of range: " + maxPending + " (expected: >= 1)");
    }
    this.maxPending = maxPending;
    this.retryAfterMs = retryAfterMs;
  }

  /** Admits one waiting call, or throws RESOURCE_EXHAUSTED (as a {@link GuildException}). */
  void enter() {
    int now = pending.incrementAndGet();
    if (now > maxPending) {
      pending.decrementAndGet();
      rejected.increment();
      throw new GuildException(
          GuildException.Kind.RESOURCE_EXHAUSTED,
          "guild activation queue full (" + maxPending + " waiting); retry-after-ms=" + retryAfterMs);
    }
    peakPending.accumulateAndGet(now, Math::max);
  }

  void exit() {
    pending.decrementAndGet();
  }

  void activated(long nanos) {
    activations.incrementAndGet();
    activationNanos.addAndGet(nanos);
  }

  public int pending() {
    return pending.get();
  }

  public int peakPending() {
    return peakPending.get();
  }

  /** Resets the peak to the current depth (benchmarks measure one phase at a time). */
  public void resetPeak() {
    peakPending.set(pending.get());
  }

  public long rejected() {
    return rejected.sum();
  }

  public long activations() {
    return activations.get();
  }

  public long activationNanosTotal() {
    return activationNanos.get();
  }

  public int maxPending() {
    return maxPending;
  }
}
