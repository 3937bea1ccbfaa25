package dev.concord.session.core;

import com.google.protobuf.ByteString;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The dispatches a session sent (or would have sent while detached), newest last, so a RESUME
 * can replay everything after the client's last seq. Bounded by count and by payload bytes; the
 * oldest entries go first. Payloads are the shared relay payloads (referenced, not copied), so an
 * entry costs a few dozen bytes plus, for the byte bound, its payload's size.
 *
 * <p>Concurrency: confined to the session's worker.
 */
final class ReplayBuffer {
  record Entry(long seq, String type, ByteString payload) {}

  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private final int maxEntries;
  private final long maxBytes;
  private long bytes;
  /** Seq of the newest entry evicted (0: none): replay from seq S works iff S >= evictedUpTo. */
  private long evictedUpTo;

  ReplayBuffer(int maxEntries, long maxBytes) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  void add(long seq, String type, ByteString payload) {
    entries.addLast(new Entry(seq, type, payload));
    bytes += payload.size();
    while (entries.size() > maxEntries || (bytes > maxBytes && entries.size() > 1)) {
      Entry old = entries.removeFirst();
      bytes -= old.payload().size();
      evictedUpTo = old.seq();
    }
  }

  /** Whether every dispatch after {@code seq} is still here. */
  boolean covers(long seq) {
    return seq >= evictedUpTo;
  }

  /** The entries after {@code seq}, oldest first. */
  List<Entry> after(long seq) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries) {
      if (e.seq() > seq) {
        out.add(e);
      }
    }
    return out;
  }

  int size() {
    return entries.size();
  }
}
