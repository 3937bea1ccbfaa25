package dev.concord.gateway.ws;

/**
 * The heap one gateway lets frames wait in for slow sockets, shared by all its connections: each
 * connection may hold its share ({@link #bytesPerConnection}, at least {@link #MIN_BYTES}) in
 * outbound entries handed to Netty (a pre-encoded frame is two, its header and its shared rest) and
 * in its {@link DispatchBacklog}; past it the connection is closed (resumable, 4000) like one past
 * its byte bound.
 *
 * <p>Why: the byte bound per connection alone (1 MiB) holds for a few connections, not for many:
 * a queued frame costs heap beyond its bytes (Netty's outbound entry, the frame's buffer objects,
 * its pooled header), while its payload is shared with every other connection. With 19 000
 * clients slower than a 200-message burst, ~3.8 M queued frames took the suite's 1 GiB heap to an
 * OutOfMemoryError (bench-load). Dividing a budget by the open connections bounds the total
 * whatever their number. Then, with at most {@link ConnectionWriter#HANDED_ENTRIES} in Netty and
 * the rest in the 16-byte slots of a backlog, the same heap holds ~20 times as many waiting frames:
 * a 200-message burst to 19 000 slow clients fits in the share of each.
 *
 * <p>Concurrency: the limit is recomputed when connections open or close and read with one
 * volatile read per write.
 */
public final class WriteBudget {
  /**
   * Heap per queued outbound entry, estimated: Netty's entry (~96 B, recycled), the duplicate or
   * pooled header object (~50–60 B), allocator slack for the header's few bytes (~50 B).
   */
  static final int ENTRY_COST_BYTES = 200;

  /** The floor of a share: a socket's handed entries, and a backlog of 1 024 frames. */
  static final long MIN_BYTES =
      (long) ConnectionWriter.HANDED_ENTRIES * ENTRY_COST_BYTES + 1_024L * DispatchBacklog.SLOT_BYTES;

  private final long budgetBytes;
  private volatile long bytesPerConnection;

  /** {@code budgetBytes}: the heap all queued frames of this gateway may take. */
  public WriteBudget(long budgetBytes) {
    this.budgetBytes = budgetBytes;
    connectionsChanged(1);
  }

  /** {@code percent} of this JVM's maximum heap. */
  public static WriteBudget ofHeapPercent(int percent) {
    if (percent < 1 || percent > 90) {
      throw new IllegalArgumentException("write budget out of range: " + percent + " % (expected: 1..90 % of the heap)");
    }
    return new WriteBudget(Runtime.getRuntime().maxMemory() / 100 * percent);
  }

  void connectionsChanged(int open) {
    bytesPerConnection = Math.max(MIN_BYTES, budgetBytes / Math.max(1, open));
  }

  /**
   * The heap one connection's waiting frames may take now: {@link #ENTRY_COST_BYTES} per outbound
   * entry in Netty, {@link DispatchBacklog#SLOT_BYTES} per slot of its backlog.
   */
  long bytesPerConnection() {
    return bytesPerConnection;
  }
}
