package dev.concord.ring;

import java.util.function.UnaryOperator;

/**
 * Holds the current {@link RingSnapshot} of one role.
 *
 * <p>Concurrency: one volatile reference. Readers call {@link #current()} and work on that
 * immutable snapshot: no lock, no copy. Writers build a complete snapshot off to the side and
 * install it whole; {@link #offer} installs only a strictly newer version, under a CAS loop, so
 * the version a reader sees never moves backwards even when updates race.
 */
public final class RingHolder {
  private volatile RingSnapshot current;

  public RingHolder(RingSnapshot initial) {
    this.current = initial;
  }

  public RingHolder() {
    this(RingSnapshot.empty());
  }

  public RingSnapshot current() {
    return current;
  }

  /** Installs {@code next} if it is newer than the current snapshot; returns whether it did. */
  public boolean offer(RingSnapshot next) {
    return update(cur -> next.version() > cur.version() ? next : cur) == next;
  }

  private synchronized RingSnapshot update(UnaryOperator<RingSnapshot> fn) {
    // Writers are rare (membership changes); serializing them keeps the version monotonic.
    RingSnapshot next = fn.apply(current);
    current = next;
    return next;
  }
}
