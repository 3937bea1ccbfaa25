package dev.concord.guild.core;

/**
 * What one guild has been doing, for introspection: operations applied per second over the last
 * {@value #SECONDS} s and its subscriber count. Written by the guild's loop after each applied
 * operation (one writer); read by any thread without locks, so a reading may be a moment stale.
 */
final class GuildActivity {
  static final int SECONDS = 10;
  private final long[] counts = new long[SECONDS];
  private final long[] stamps = new long[SECONDS];
  private volatile int subscribers;

  /** On the guild's loop, after an operation was applied. */
  void applied(long nowMs, int subscribers) {
    long second = nowMs / 1000;
    int i = (int) (second % SECONDS);
    if (stamps[i] != second) {
      stamps[i] = second;
      counts[i] = 0;
    }
    counts[i]++;
    this.subscribers = subscribers;
  }

  /** Operations applied per second over the last {@value #SECONDS} s (any thread). */
  double perSecond(long nowMs) {
    long second = nowMs / 1000;
    long n = 0;
    for (int i = 0; i < SECONDS; i++) {
      if (second - stamps[i] < SECONDS) {
        n += counts[i];
      }
    }
    return n / (double) SECONDS;
  }

  int subscribers() {
    return subscribers;
  }
}
