package dev.concord.gateway.ws;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * The frames one socket has been sent but Netty has not been handed yet, because the socket is
 * behind (see {@link ConnectionWriter}): a ring of {@code (seq, type, buffer)} in three parallel
 * arrays, 16 bytes per frame. A shared dispatch keeps only a reference to the payload every other
 * socket shares, so a socket behind by a thousand dispatches holds ~16 KB here, not the ~400 B per
 * frame a frame queued in Netty costs (its two outbound entries, the duplicate and the pooled
 * header).
 *
 * <p>A {@code null} type marks a whole frame's text (a frame only this socket gets: READY, an ACK).
 * The arrays exist only while something waits, and are given back once it has all been sent, so
 * an idle socket holds none.
 *
 * <p>Concurrency: confined to the socket's event loop.
 */
final class DispatchBacklog {
  /** Bytes per slot of capacity: a long and two compressed references. */
  static final int SLOT_BYTES = 16;

  private static final int FIRST_CAPACITY = 16;
  private static final long[] NO_SEQS = new long[0];
  private static final String[] NO_TYPES = new String[0];
  private static final ByteBuf[] NO_BUFS = new ByteBuf[0];

  private long[] seqs = NO_SEQS;
  private @Nullable String[] types = NO_TYPES;
  private @Nullable ByteBuf[] bufs = NO_BUFS;
  private int head;
  private int size;
  private long bytes;

  /** Appends a frame; {@code buf} is owned here until {@link #removeFirst} or {@link #releaseAll}. */
  void add(long seq, @Nullable String type, ByteBuf buf) {
    if (size == bufs.length) {
      grow();
    }
    int at = (head + size) & (bufs.length - 1);
    seqs[at] = seq;
    types[at] = type;
    bufs[at] = buf;
    size++;
    bytes += buf.readableBytes();
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /** The payload bytes waiting (the shared part counted in full: this is how far behind the socket is). */
  long bytes() {
    return bytes;
  }

  /** The heap the ring's arrays take now. */
  long heapBytes() {
    return (long) bufs.length * SLOT_BYTES;
  }

  long firstSeq() {
    return seqs[head];
  }

  @Nullable String firstType() {
    return types[head];
  }

  /** Removes the first frame and hands its buffer to the caller. */
  ByteBuf removeFirst() {
    ByteBuf b = bufs[head];
    if (b == null) {
      throw new IllegalStateException("backlog is empty");
    }
    bufs[head] = null;
    types[head] = null;
    head = (head + 1) & (bufs.length - 1);
    size--;
    bytes -= b.readableBytes();
    if (size == 0) {
      clear();
    }
    return b;
  }

  /** The socket is closed: drops every frame (releasing its buffer). */
  void releaseAll() {
    while (size > 0) {
      removeFirst().release();
    }
  }

  private void grow() {
    int capacity = bufs.length == 0 ? FIRST_CAPACITY : bufs.length * 2;
    long[] s = new long[capacity];
    String[] t = new String[capacity];
    ByteBuf[] b = new ByteBuf[capacity];
    for (int i = 0; i < size; i++) {
      int from = (head + i) & (bufs.length - 1);
      s[i] = seqs[from];
      t[i] = types[from];
      b[i] = bufs[from];
    }
    seqs = s;
    types = t;
    bufs = b;
    head = 0;
  }

  private void clear() {
    seqs = NO_SEQS;
    types = NO_TYPES;
    bufs = NO_BUFS;
    head = 0;
    bytes = 0;
  }
}
