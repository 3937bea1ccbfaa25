package dev.concord.streams;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.ToIntFunction;
import java.util.List;

/**
 * One {@link UnaryBatcher} per peer address: requests to the same pod coalesce, requests to
 * different pods never wait for each other. Peers come and go (a rescheduled pod has a new
 * address), so when more than {@code maxPeers} batchers exist, idle ones are dropped (an idle
 * batcher holds nothing; a new one is made on the next request to that address).
 */
public final class PeerBatchers<Q, R> {
  private final ConcurrentHashMap<String, UnaryBatcher<Q, R>> byPeer = new ConcurrentHashMap<>();
  private final BiFunction<String, List<Q>, CompletableFuture<List<R>>> call;
  private final int maxInFlight;
  private final int maxBatch;
  private final int maxBatchBytes;
  private final ToIntFunction<Q> sizer;
  private final int capacityPerPeer;
  private final int maxPeers;

  /**
   * {@code call} makes one batch call to the given address; the bounds are per peer (see {@link
   * UnaryBatcher}).
   */
  public PeerBatchers(
      BiFunction<String, List<Q>, CompletableFuture<List<R>>> call,
      int maxInFlight,
      int maxBatch,
      int maxBatchBytes,
      ToIntFunction<Q> sizer,
      int capacityPerPeer,
      int maxPeers) {
    this.call = call;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.maxBatchBytes = maxBatchBytes;
    this.sizer = sizer;
    this.capacityPerPeer = capacityPerPeer;
    this.maxPeers = maxPeers;
  }

  public CompletableFuture<R> submit(String address, Q request) {
    if (byPeer.size() > maxPeers) {
      byPeer.entrySet().removeIf(e -> !e.getKey().equals(address) && e.getValue().idle());
    }
    return byPeer
        .computeIfAbsent(address, a -> new UnaryBatcher<>(batch -> call.apply(a, batch), maxInFlight, maxBatch, maxBatchBytes, sizer, capacityPerPeer))
        .submit(request);
  }

  /** Batch calls made so far, over every peer still known. */
  public long calls() {
    return byPeer.values().stream().mapToLong(UnaryBatcher::calls).sum();
  }

  /** Requests sent so far, over every peer still known. */
  public long requests() {
    return byPeer.values().stream().mapToLong(UnaryBatcher::requests).sum();
  }
}
