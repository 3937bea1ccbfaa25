package dev.concord.fanout;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The session pod's recipients by key, looked up once per recipient per relay event, so the
 * lookup must not allocate: a key is {@code generation << 32 | slot}, and a lookup is two array
 * reads and a key comparison (no boxing, no hashing). Slots are reused after removal with a new
 * generation, so a stale key (a relay event for a session that ended) never finds the slot's new
 * occupant.
 *
 * <p>Bounds: at most {@code 2^31} live entries; memory is one reference per slot ever used at the
 * same time (chunks of 4 096 are allocated on first use and kept).
 *
 * <p>Concurrency: lookups are lock-free (volatile array reads). Adds and removes may come from
 * any thread: slots are claimed through a counter or a concurrent free list, and an entry is
 * published with a volatile write after it is complete.
 *
 * @param <S> the recipient type
 */
public final class RecipientTable<S> {
  private static final int CHUNK_BITS = 12;
  private static final int CHUNK = 1 << CHUNK_BITS;
  private static final int MAX_CHUNKS = 1 << (31 - CHUNK_BITS);

  private record Entry<S>(long key, S value) {}

  private final AtomicReferenceArray<@Nullable AtomicReferenceArray<@Nullable Entry<S>>> chunks =
      new AtomicReferenceArray<>(MAX_CHUNKS);
  private final AtomicInteger nextSlot = new AtomicInteger();
  private final ConcurrentLinkedQueue<long[]> freeSlots = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();

  /** Adds {@code value}; returns its key (never 0). */
  public long add(S value) {
    long[] free = freeSlots.poll();
    int slot;
    long generation;
    if (free != null) {
      slot = (int) free[0];
      generation = free[1] + 1;
    } else {
      slot = nextSlot.getAndIncrement();
      if (slot < 0) { // the counter passed Integer.MAX_VALUE: every slot is taken
        nextSlot.set(Integer.MIN_VALUE);
        throw new IllegalStateException("recipient table full (2^31 slots)");
      }
      generation = 1;
    }
    long key = (generation << 32) | slot;
    chunk(slot >>> CHUNK_BITS).set(slot & (CHUNK - 1), new Entry<>(key, value));
    size.incrementAndGet();
    return key;
  }

  /** The value of {@code key}, or null if it was removed (or never existed). */
  public @Nullable S get(long key) {
    int slot = (int) key;
    if (slot < 0) {
      return null;
    }
    AtomicReferenceArray<@Nullable Entry<S>> c = chunks.get(slot >>> CHUNK_BITS);
    if (c == null) {
      return null;
    }
    Entry<S> e = c.get(slot & (CHUNK - 1));
    return e != null && e.key() == key ? e.value() : null;
  }

  /** Removes {@code key} if it is still there; its slot is reused with the next generation. */
  public boolean remove(long key) {
    int slot = (int) key;
    AtomicReferenceArray<@Nullable Entry<S>> c = slot < 0 ? null : chunks.get(slot >>> CHUNK_BITS);
    if (c == null) {
      return false;
    }
    Entry<S> e = c.get(slot & (CHUNK - 1));
    if (e == null || e.key() != key || !c.compareAndSet(slot & (CHUNK - 1), e, null)) {
      return false;
    }
    size.decrementAndGet();
    freeSlots.add(new long[] {slot, key >>> 32});
    return true;
  }

  public int size() {
    return size.get();
  }

  private AtomicReferenceArray<@Nullable Entry<S>> chunk(int index) {
    AtomicReferenceArray<@Nullable Entry<S>> c = chunks.get(index);
    if (c == null) {
      chunks.compareAndSet(index, null, new AtomicReferenceArray<>(CHUNK));
      c = chunks.get(index);
    }
    return c;
  }
}
