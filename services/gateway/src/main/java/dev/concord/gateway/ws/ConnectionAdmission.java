package dev.concord.gateway.ws;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Who may open a client socket, decided at the HTTP upgrade before any WebSocket state exists:
 * at most {@code maxTotal} open sockets on this pod and {@code maxPerAddress} per client address
 * (0: no limit). A refused upgrade is answered 429 with Retry-After, which costs the pod one HTTP
 * response instead of a connection's buffers and session.
 *
 * <p>Bounded: one counter per address with an open socket (an address leaves the map with its
 * last socket), so the map is never larger than the open sockets.
 */
public final class ConnectionAdmission {
  /** Why an upgrade was refused. */
  public enum Refusal {
    POD_FULL,
    ADDRESS_FULL
  }

  private final int maxTotal;
  private final int maxPerAddress;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<String, AtomicInteger> byAddress = new ConcurrentHashMap<>();
  private final LongAdder refusedPodFull = new LongAdder();
  private final LongAdder refusedAddressFull = new LongAdder();

  public ConnectionAdmission(int maxTotal, int maxPerAddress) {
    this.maxTotal = maxTotal;
    this.maxPerAddress = maxPerAddress;
  }

  /** Takes a slot for a socket from {@code address}; null if admitted, else why not. */
  public @Nullable Refusal admit(String address) {
    if (open.incrementAndGet() > maxTotal && maxTotal > 0) {
      open.decrementAndGet();
      refusedPodFull.increment();
      return Refusal.POD_FULL;
    }
    if (maxPerAddress > 0) {
      boolean[] refused = {false};
      byAddress.compute(
          address,
          (a, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            if (c.get() >= maxPerAddress) {
              refused[0] = true;
            } else {
              c.incrementAndGet();
            }
            return c.get() == 0 ? null : c;
          });
      if (refused[0]) {
        open.decrementAndGet();
        refusedAddressFull.increment();
        return Refusal.ADDRESS_FULL;
      }
    }
    return null;
  }

  /** The socket admitted for {@code address} closed. */
  public void release(String address) {
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

  public long refused(Refusal why) {
    return why == Refusal.POD_FULL ? refusedPodFull.sum() : refusedAddressFull.sum();
  }
}
