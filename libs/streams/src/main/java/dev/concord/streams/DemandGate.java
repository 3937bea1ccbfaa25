package dev.concord.streams;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Inbound flow control for a stream reader that hands work to other threads: the reader asks its
 * stream for more only while the work handed out and not yet done is below a high mark; past it,
 * the reader parks its request here and it runs once the work done brings the count below the low
 * mark (half the high mark). The peer's transport then fills its HTTP/2 window and its sender's
 * bounded queue, so a burst waits where it is compact (serialized, or one event per pod) instead of
 * as per-recipient work queued on threads that cannot take it yet.
 *
 * <p>Units are the caller's (deliveries, recipients). A high mark of 0 or less turns the gate off:
 * {@link #whenOpen} runs at once.
 *
 * <p>Concurrency: any thread. A parked request runs exactly once, on the thread whose {@link #done}
 * crossed below the low mark, or on the parking thread itself when the count already had; keep it
 * short (a {@code request(1)}, or a hand-off to an executor).
 */
public final class DemandGate {
  private final long high;
  private final long low;
  private final AtomicLong pending = new AtomicLong();
  private final ConcurrentLinkedQueue<Runnable> parked = new ConcurrentLinkedQueue<>();

  public DemandGate(long high) {
    this.high = high;
    this.low = high / 2;
  }

  /** Work handed out (not yet done). */
  public void add(long n) {
    pending.addAndGet(n);
  }

  /** Work done: may release parked requests. */
  public void done(long n) {
    if (pending.addAndGet(-n) < low && !parked.isEmpty()) {
      release();
    }
  }

  /** Runs {@code request} now if the pending work is below the high mark, else once it fell below the low mark. */
  public void whenOpen(Runnable request) {
    if (high <= 0 || pending.get() < high) {
      request.run();
      return;
    }
    parked.add(request);
    // a done() may have crossed below the low mark before the request was parked: look again
    if (pending.get() < low) {
      release();
    }
  }

  /** Whether the pending work is below the high mark (a reader may take the next item now). */
  public boolean isOpen() {
    return high <= 0 || pending.get() < high;
  }

  public long pending() {
    return pending.get();
  }

  /** Requests waiting for the gate to open. */
  public int parked() {
    return parked.size();
  }

  private void release() {
    Runnable r;
    // look again before each: the caller's reading may be stale (another reader added since), and
    // a request released past the high mark would let the work grow without bound. One left
    // parked here is released by the done() that brings the count below the low mark.
    while (pending.get() < low && (r = parked.poll()) != null) {
      r.run();
    }
  }
}
