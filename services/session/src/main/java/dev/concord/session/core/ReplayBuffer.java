package dev.concord.session.core;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;

/**
 * The dispatches a session sent (or would have sent while detached), newest last, so a RESUME
 * can replay everything after the client's last seq. Bounded by count and by payload bytes; the
 * oldest entries go first.
 *
 * <p>Cost per dispatch: a slot in one circular array (a reference to an {@link Item} that all
 * recipients of one relay event on one worker share), so recording a fanned-out event allocates
 * nothing per session beyond the array's amortized growth. The array starts small and doubles up
 * to the count bound. A session's seqs are consecutive (each dispatch takes the next one, and all
 * but READY are kept here), so an entry's seq is the oldest's plus its position and is not stored:
 * a parallel {@code long[]} of seqs cost 8 bytes per entry (a session holding a 200-message burst
 * until its next heartbeat: 2 064 of its arrays' 3 104 bytes; 39 of 59 MB over 19 000 sessions)
 * and one more cache line written per recipient on the fan-out path. A seq that does not follow
 * the newest (no caller makes one) ends what is held: nothing before it can be replayed, which a
 * resume then learns from {@link #covers}.
 *
 * <p>Concurrency: confined to the session's worker.
 */
final class ReplayBuffer {
  /**
   * One dispatch's type and payload (the payload is the shared relay bytes, referenced), and when
   * it stops being worth replaying (0: never). TYPING_START lasts {@link #TYPING_LIFETIME_MS}, as
   * in Discord: a resume after that does not show someone typing who stopped long ago.
   */
  record Item(String type, ByteString payload, long expiresAtMs) {
    Item(String type, ByteString payload) {
      this(type, payload, "TYPING_START".equals(type) ? System.currentTimeMillis() + TYPING_LIFETIME_MS : 0);
    }
  }

  static final long TYPING_LIFETIME_MS = 10_000;

  record Entry(long seq, String type, ByteString payload) {}

  private static final int INITIAL = 8;
  private static final Item[] NONE = new Item[0];

  private static final java.lang.invoke.VarHandle BYTES;

  static {
    try {
      BYTES = java.lang.invoke.MethodHandles.lookup().findVarHandle(ReplayBuffer.class, "bytes", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int maxEntries;
  private final long maxBytes;
  private Item[] items = NONE;
  private int head; // index of the oldest entry
  private int size;
  /** The seq of the oldest entry (meaningful while {@code size > 0}); entry i has {@code headSeq + i}. */
  private long headSeq;
  // written by the owning worker only, opaque (atomic, no fence per add): introspection reads it from other threads
  private long bytes;
  /**
   * The newest seq that cannot be replayed (0: none): the newest entry evicted, a skipped one, or
   * the one before an entry that did not follow what was held. Replay from seq S works iff S >=
   * evictedUpTo.
   */
  private long evictedUpTo;

  ReplayBuffer(int maxEntries, long maxBytes) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("replay max events out of range: " + maxEntries + " (expected: >= 1)");
    }
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  void add(long seq, String type, ByteString payload) {
    add(seq, new Item(type, payload));
  }

  void add(long seq, Item item) {
    if (size > 0 && seq != headSeq + size) {
      evictAll(); // not the next seq: what is held cannot be followed by it without a hole
    }
    if (size == 0) {
      // nothing before this one is held (consecutive seqs: evictedUpTo is seq - 1 already)
      headSeq = seq;
      evictedUpTo = Math.max(evictedUpTo, seq - 1);
    }
    if (size == items.length) {
      grow();
    }
    if (size == items.length) { // at the count bound: drop the oldest
      evictOldest();
    }
    int tail = head + size;
    if (tail >= items.length) {
      tail -= items.length;
    }
    items[tail] = item;
    size++;
    BYTES.setOpaque(this, bytes + item.payload().size());
    while (bytes > maxBytes && size > 1) { // the owner's own writes: a plain read sees them
      evictOldest();
    }
  }

  private void grow() {
    int capacity = items.length == 0 ? Math.min(INITIAL, maxEntries) : Math.min(items.length * 2, maxEntries);
    if (capacity <= items.length) {
      return;
    }
    Item[] it = new Item[capacity];
    for (int i = 0; i < size; i++) {
      it[i] = items[(head + i) % items.length];
    }
    items = it;
    head = 0;
  }

  private void evictOldest() {
    evictedUpTo = headSeq;
    BYTES.setOpaque(this, bytes - items[head].payload().size());
    items[head] = null;
    if (++head == items.length) {
      head = 0;
    }
    size--;
    headSeq++;
  }

  private void evictAll() {
    while (size > 0) {
      evictOldest();
    }
  }

  /**
   * A dispatch that is never replayed: READY, the first of a session (a RESUME needs READY's
   * session id, so it always comes after it). Not holding it saves its bytes for the session's
   * lifetime. Only for a dispatch newer than everything held: the next {@link #add} is then
   * {@code seq + 1}, so anything still held goes (it could not be followed without a hole).
   */
  void skip(long seq) {
    evictAll();
    evictedUpTo = Math.max(evictedUpTo, seq);
  }

  /**
   * The client acknowledged every dispatch up to {@code seq} (its heartbeat): it never resumes
   * from before it, so those go. A buffer left empty gives its array back: an idle session then
   * holds no replay memory at all (its GUILD_CREATE would otherwise stay for its lifetime).
   */
  void dropThrough(long seq) {
    while (size > 0 && headSeq <= seq) {
      evictOldest();
    }
    evictedUpTo = Math.max(evictedUpTo, seq);
    if (size == 0 && items.length > 0) {
      items = NONE;
      head = 0;
    }
  }

  /** Whether every dispatch after {@code seq} is still here. */
  boolean covers(long seq) {
    return seq >= evictedUpTo;
  }

  /** The entries after {@code seq} that have not expired by {@code nowMs}, oldest first. */
  List<Entry> after(long seq, long nowMs) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Item item = items[(head + i) % items.length];
      long expires = item.expiresAtMs();
      if (headSeq + i > seq && (expires == 0 || expires > nowMs)) {
        out.add(new Entry(headSeq + i, item.type(), item.payload()));
      }
    }
    return out;
  }

  /** Payload bytes held (introspection; any thread, approximate). */
  long bytes() {
    return (long) BYTES.getOpaque(this);
  }

  int size() {
    return size;
  }
}
