package dev.concord.gateway.ws;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Who may open a client socket, decided at the HTTP upgrade before any WebSocket state exists:
 * at most {@code maxTotal} open sockets on this pod and {@code maxPerAddress} per client address
 * (0: no limit), and, for a socket that asks for {@code compress}, room in the pod's budget of
 * compressor memory. A refused upgrade is answered 429 with Retry-After, which costs the pod one
 * HTTP response instead of a connection's buffers and session.
 *
 * <p>Compressor memory is native (zlib's deflate state, zstd's context and window), outside the
 * heap and its limit: 50 000 zstd-stream sockets would hold 18 GB of it, so the pod would be
 * killed for memory long before its socket limit. Each compressed socket is charged what {@code
 * make bench-compress} measured its kind holding once its window is full, rounded up ({@link
 * #ZLIB_BYTES}; zstd by its window, {@link #zstdBytes}) against {@code compressionBudgetBytes} (0:
 * no budget).
 *
 * <p>Bounded: one counter per address with an open socket (an address leaves the map with its
 * last socket), so the map is never larger than the open sockets.
 */
public final class ConnectionAdmission {
  /** Why an upgrade was refused. */
  public enum Refusal {
    POD_FULL,
    ADDRESS_FULL,
    COMPRESSION_MEMORY
  }

  /**
   * Native memory of a zlib-stream socket's deflater: zlib's formula for window bits 15 and memory
   * level 8, 2^17 + 2^17 bytes ({@code make bench-compress}: 209 KB in use once the window is full).
   */
  static final long ZLIB_BYTES = 256L << 10;
  /**
   * What a zstd-stream context holds besides its window ({@code make bench-compress}, window full,
   * window log 17: 335 KB at level 1, 444 KB at level 3, 359 KB at level 6; charged 320 KiB + 128 KiB).
   */
  static final long ZSTD_BASE_BYTES = 320L << 10;

  private final int maxTotal;
  private final int maxPerAddress;
  private final long compressionBudgetBytes;
  private final long zstdBytes;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong compressionBytes = new AtomicLong();
  private final ConcurrentHashMap<String, AtomicInteger> byAddress = new ConcurrentHashMap<>();
  private final Map<Refusal, LongAdder> refused = new EnumMap<>(Refusal.class);

  public ConnectionAdmission(int maxTotal, int maxPerAddress) {
    this(maxTotal, maxPerAddress, 0, 17);
  }

  /** With a budget of compressor memory ({@code 0}: none) for zstd contexts of window {@code 2^zstdWindowLog}. */
  public ConnectionAdmission(int maxTotal, int maxPerAddress, long compressionBudgetBytes, int zstdWindowLog) {
    this.maxTotal = maxTotal;
    this.maxPerAddress = maxPerAddress;
    this.compressionBudgetBytes = compressionBudgetBytes;
    this.zstdBytes = zstdBytes(zstdWindowLog);
    for (Refusal r : Refusal.values()) {
      refused.put(r, new LongAdder());
    }
  }

  /** The native memory charged for one zstd-stream socket with a window of {@code 2^windowLog}. */
  static long zstdBytes(int windowLog) {
    return ZSTD_BASE_BYTES + (1L << windowLog);
  }

  /** The native memory charged for a socket compressed with {@code kind} (0 for none). */
  long cost(StreamCompressor.@Nullable Kind kind) {
    if (kind == null) {
      return 0;
    }
    return kind == StreamCompressor.Kind.ZLIB_STREAM ? ZLIB_BYTES : zstdBytes;
  }

  /** Takes a slot for an uncompressed socket from {@code address}; null if admitted, else why not. */
  public @Nullable Refusal admit(String address) {
    return admit(address, null);
  }

  /**
   * Takes a slot for a socket from {@code address} compressed with {@code kind} (null: none), and
   * its compressor's memory; null if admitted, else why not (and nothing is taken).
   */
  public @Nullable Refusal admit(String address, StreamCompressor.@Nullable Kind kind) {
    long cost = cost(kind);
    if (cost > 0 && compressionBudgetBytes > 0 && compressionBytes.addAndGet(cost) > compressionBudgetBytes) {
      compressionBytes.addAndGet(-cost);
      refused.get(Refusal.COMPRESSION_MEMORY).increment();
      return Refusal.COMPRESSION_MEMORY;
    }
    Refusal r = admitSocket(address);
    if (r != null && cost > 0 && compressionBudgetBytes > 0) {
      compressionBytes.addAndGet(-cost);
    }
    return r;
  }

  private @Nullable Refusal admitSocket(String address) {
    if (open.incrementAndGet() > maxTotal && maxTotal > 0) {
      open.decrementAndGet();
      refused.get(Refusal.POD_FULL).increment();
      return Refusal.POD_FULL;
    }
    if (maxPerAddress > 0) {
      boolean[] full = {false};
      byAddress.compute(
          address,
          (a, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            if (c.get() >= maxPerAddress) {
              full[0] = true;
            } else {
              c.incrementAndGet();
            }
            return c.get() == 0 ? null : c;
          });
      if (full[0]) {
        open.decrementAndGet();
        refused.get(Refusal.ADDRESS_FULL).increment();
        return Refusal.ADDRESS_FULL;
      }
    }
    return null;
  }

  /** The uncompressed socket admitted for {@code address} closed. */
  public void release(String address) {
    release(address, null);
  }

  /** The socket admitted for {@code address} with {@code kind} closed. */
  public void release(String address, StreamCompressor.@Nullable Kind kind) {
    long cost = cost(kind);
    if (cost > 0 && compressionBudgetBytes > 0) {
      compressionBytes.addAndGet(-cost);
    }
    open.decrementAndGet();
    if (maxPerAddress > 0) {
      byAddress.computeIfPresent(address, (a, c) -> c.decrementAndGet() <= 0 ? null : c);
    }
  }

  public int open() {
    return open.get();
  }

  public int addresses() {
    return byAddress.size();
  }

  /** Compressor memory charged for the open sockets (counted only under a budget). */
  public long compressionBytes() {
    return compressionBytes.get();
  }

  public long refused(Refusal why) {
    return refused.get(why).sum();
  }
}
