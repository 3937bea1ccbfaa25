package dev.concord.cluster;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One plaintext gRPC channel per peer address, created on first use and kept for the life of the
 * pod (channels reconnect by themselves). Inbound messages are capped at {@code maxInboundBytes}.
 *
 * <p>Callbacks of calls on these channels (response observers, listeners) run on the transport's
 * event loop, not on gRPC's cached pool (one thread hand-off per message less; see {@link
 * DirectCalls}), so they must not block: a store read or a wait for another call's answer goes to
 * an executor of its own. {@code -Dconcord.grpc.direct-calls=false} restores gRPC's default.
 *
 * <p>Concurrency: a {@link ConcurrentHashMap}; channels are thread-safe.
 */
public final class Channels implements AutoCloseable {
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final int maxInboundBytes;
  private final boolean retries;

  public Channels(int maxInboundBytes) {
    this(maxInboundBytes, true);
  }

  /**
   * {@code retries} false turns off gRPC's transparent retries (and the buffering of every call
   * they need): for request paths whose callers answer a failure themselves, such as REST.
   */
  public Channels(int maxInboundBytes, boolean retries) {
    this.maxInboundBytes = maxInboundBytes;
    this.retries = retries;
  }

  public Channels() {
    this(16 * 1024 * 1024);
  }

  public ManagedChannel forAddress(String address) {
    return channels.computeIfAbsent(
        address,
        a -> {
          NettyChannelBuilder b = NettyChannelBuilder.forTarget(a).usePlaintext().maxInboundMessageSize(maxInboundBytes);
          if (DirectCalls.enabled()) {
            b.directExecutor();
          }
          if (!retries) {
            b.disableRetry();
          }
          return b.build();
        });
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdown);
    for (ManagedChannel c : channels.values()) {
      try {
        if (!c.awaitTermination(2, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        c.shutdownNow();
      }
    }
    channels.clear();
  }
}
