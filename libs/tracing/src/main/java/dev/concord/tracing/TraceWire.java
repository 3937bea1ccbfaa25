package dev.concord.tracing;

import dev.concord.proto.common.v1.TraceContext;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;

/**
 * A span's identity in the relay and link messages' {@link TraceContext} field: 16 + 8 bytes of
 * ids as fixed64s (no hex strings on the wire), plus when the message was queued and how many
 * recipients the event has. Only sampled messages carry it.
 */
public final class TraceWire {
  private TraceWire() {}

  /** {@code span}'s context for the next hop, queued now ({@code queuedAtNanos}, Unix epoch). */
  public static TraceContext of(SpanContext span, long queuedAtNanos, int recipients) {
    String t = span.getTraceId();
    return TraceContext.newBuilder()
        .setTraceIdHigh(hexLong(t, 0))
        .setTraceIdLow(hexLong(t, 16))
        .setSpanId(hexLong(span.getSpanId(), 0))
        .setQueuedAtUnixNanos(queuedAtNanos)
        .setRecipients(recipients)
        .build();
  }

  /** The sender's span as a remote, sampled parent. */
  public static SpanContext parent(TraceContext t) {
    return SpanContext.createFromRemoteParent(
        hex(t.getTraceIdHigh()) + hex(t.getTraceIdLow()), hex(t.getSpanId()), TraceFlags.getSampled(), TraceState.getDefault());
  }

  private static long hexLong(String s, int from) {
    long v = 0;
    for (int i = from; i < from + 16; i++) {
      v = (v << 4) | Character.digit(s.charAt(i), 16);
    }
    return v;
  }

  private static String hex(long v) {
    String h = Long.toHexString(v);
    return h.length() == 16 ? h : "0".repeat(16 - h.length()) + h;
  }
}
