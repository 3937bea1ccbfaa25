package dev.concord.guild.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When this pod checks which of its guilds it lost ({@link GuildHost#ringChanged}): run on a fixed
 * tick, it checks when the ring's version changed, once more {@link #FOLLOW_UP} later (a pod slower
 * to see the same change may still have claimed a guild after the first check), and every {@link
 * #PERIODIC} (a bound on how long a claim nobody announced stays unseen). One check at a time, each
 * bounded by {@link #TIMEOUT}; a failed one is retried with a backoff doubling from the tick to
 * {@link #MAX_BACKOFF}, logged once per ring version.
 *
 * <p>Concurrency: {@link #run} is called by one scheduler thread, a check completes on any thread;
 * both hold this object's lock while they read or write its fields.
 */
public final class OwnershipWatch implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(OwnershipWatch.class);
  static final Duration FOLLOW_UP = Duration.ofSeconds(2);
  static final Duration PERIODIC = Duration.ofSeconds(30);
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final LongSupplier ringVersion;
  private final Supplier<CompletableFuture<Integer>> check;
  private final IntConsumer claimedElsewhere;
  private final LongSupplier nanoClock;
  private long seen = Long.MIN_VALUE;
  private long nextAt;
  private long backoffNanos = FIRST_BACKOFF_NANOS;
  private long failedVersion = Long.MIN_VALUE;
  private boolean inFlight;

  /**
   * @param check the check ({@link GuildHost#ringChanged}): completes with the number of guilds
   *     found claimed by another pod
   * @param claimedElsewhere told that number after each check that succeeded
   */
  public OwnershipWatch(LongSupplier ringVersion, Supplier<CompletableFuture<Integer>> check, IntConsumer claimedElsewhere, LongSupplier nanoClock) {
    this.ringVersion = ringVersion;
    this.check = check;
    this.claimedElsewhere = claimedElsewhere;
    this.nanoClock = nanoClock;
  }

  @Override
  public void run() {
    try {
      tick();
    } catch (Throwable t) { // never end the schedule this runs on
      log.warn("ownership check not run: {}", t.toString());
    }
  }

  private synchronized void tick() {
    if (inFlight) {
      return; // a change seen meanwhile is checked on the first tick after it
    }
    long v = ringVersion.getAsLong();
    long now = nanoClock.getAsLong();
    boolean changed = v != seen;
    if (!changed && now - nextAt < 0) {
      return;
    }
    if (changed) {
      seen = v;
      nextAt = now + FOLLOW_UP.toNanos();
    } else {
      nextAt = now + PERIODIC.toNanos();
    }
    inFlight = true;
    CompletableFuture<Integer> running;
    try {
      running = check.get();
    } catch (RuntimeException e) {
      running = CompletableFuture.failedFuture(e);
    }
    running
        .orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((claimed, error) -> done(v, claimed, error));
  }

  private synchronized void done(long version, Integer claimed, Throwable error) {
    if (error == null) {
      backoffNanos = FIRST_BACKOFF_NANOS;
      failedVersion = Long.MIN_VALUE;
      inFlight = false;
      claimedElsewhere.accept(claimed);
      return;
    }
    if (failedVersion != version) {
      failedVersion = version;
      log.warn("ring v{}: the check for guilds this pod lost failed ({}); retrying", version, error.toString());
    }
    nextAt = nanoClock.getAsLong() + backoffNanos;
    backoffNanos = Math.min(MAX_BACKOFF.toNanos(), backoffNanos * 2);
    inFlight = false;
  }
}
