package dev.concord.gateway.ws;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A client socket's pulse: when it last heartbeated, how many frames it sent in the current rate
 * window, and the highest seq its heartbeats acknowledged. Confined to the socket's event loop.
 *
 * <p>The acknowledged seq goes to the session once per advance: a client's heartbeat carries the
 * last seq it received ({@code {"op":1,"d":42}}), so it will never RESUME from before it, and the
 * session drops what it kept for such a resume (an idle session's GUILD_CREATE alone is ~1.9 KB in
 * the bench). A heartbeat with {@code d: null} or a seq not past the last one forwards nothing.
 */
final class ClientPulse {
  private final long windowNanos;
  private final int framesPerWindow;
  private long lastHeartbeatNanos;
  private long windowStartNanos;
  private int framesInWindow;
  private long ackedSeq;

  ClientPulse(long windowNanos, int framesPerWindow, long now) {
    this.windowNanos = windowNanos;
    this.framesPerWindow = framesPerWindow;
    this.lastHeartbeatNanos = now;
    this.windowStartNanos = now;
  }

  /** Counts a client frame; false once the window's frames are used up (close 4008). */
  boolean allowFrame(long now) {
    if (now - windowStartNanos > windowNanos) {
      windowStartNanos = now;
      framesInWindow = 0;
    }
    return ++framesInWindow <= framesPerWindow;
  }

  /**
   * A heartbeat with {@code d}: the seq to tell the session it acknowledged, or 0 if nothing new
   * (null, not a number, not past the last one, or no session to tell: {@code toSession} false,
   * e.g. before READY, when the seq would not be of the session's stream).
   */
  long onHeartbeat(@Nullable JsonNode d, long now, boolean toSession) {
    lastHeartbeatNanos = now;
    if (!toSession || d == null || !d.isIntegralNumber() || !d.canConvertToLong()) {
      return 0;
    }
    long seq = d.asLong();
    if (seq <= ackedSeq) {
      return 0;
    }
    ackedSeq = seq;
    return seq;
  }

  /** A new session on this socket (op 9 sent it back to identify): its seqs start again. */
  void resetAcked() {
    ackedSeq = 0;
  }

  /** No heartbeat for longer than {@code limitNanos}. */
  boolean silentFor(long limitNanos, long now) {
    return now - lastHeartbeatNanos > limitNanos;
  }
}
