package dev.concord.streams;

/** Bounds shared by every stream between pods. */
public final class StreamLimits {
  /**
   * Bytes of items per stream message at most: a quarter of gRPC's default 4 MiB inbound limit,
   * big enough that batching still amortizes the per-message cost (thousands of frames), small
   * enough that no peer's inbound limit is ever reached.
   */
  public static final int MAX_BATCH_BYTES = 1 << 20;

  private StreamLimits() {}
}
