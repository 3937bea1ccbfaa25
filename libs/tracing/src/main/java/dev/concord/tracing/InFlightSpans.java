package dev.concord.tracing;

import dev.concord.proto.common.v1.TraceContext;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The send spans of sampled messages still in an outbound queue: each starts when its message is
 * queued (and the message carries its context from the start, so it is never rebuilt) and ends
 * when the sender writes it to the stream ({@link #sent}).
 *
 * <p>Bounded: at most {@code max} spans wait. A stream that fails drops its queued messages
 * without telling this table, so when it is full, the spans waiting are ended (marked as not seen
 * leaving) and the table starts over: a lost stream costs a few unfinished send spans, never the
 * tracing of later messages.
 */
public final class InFlightSpans {
  private final ConcurrentHashMap<Long, Span> spans = new ConcurrentHashMap<>();
  private final Tracing tracing;
  private final String name;
  private final int max;

  public InFlightSpans(Tracing tracing, String name, int max) {
    this.tracing = tracing;
    this.name = name;
    this.max = max;
  }

  /**
   * Starts the send span of a message about to be queued, a child of {@code parent}; returns what
   * the message carries. Add attributes to the span through {@code attributes}.
   */
  public TraceContext start(SpanContext parent, int recipients, java.util.function.Consumer<Span> attributes) {
    long now = Tracing.now();
    Span span = tracing.child(name, parent, now);
    attributes.accept(span);
    TraceContext wire = TraceWire.of(span.getSpanContext(), now, recipients);
    if (spans.size() >= max) {
      evictAll();
    }
    if (spans.putIfAbsent(wire.getSpanId(), span) != null) {
      span.setAttribute("concord.ended_at_enqueue", true);
      span.end(now, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
    return wire;
  }

  /** The message carrying {@code trace} was written to its stream: its send span ends. */
  public void sent(TraceContext trace) {
    Span span = spans.remove(trace.getSpanId());
    if (span != null) {
      span.end();
    }
  }

  /** The message carrying {@code trace} was refused by its queue. */
  public void dropped(TraceContext trace, String why) {
    Span span = spans.remove(trace.getSpanId());
    if (span != null) {
      span.setStatus(StatusCode.ERROR, why);
      span.end();
    }
  }

  public int size() {
    return spans.size();
  }

  private void evictAll() {
    for (Long id : spans.keySet()) {
      Span span = spans.remove(id);
      if (span != null) {
        span.setAttribute("concord.not_seen_leaving", true);
        span.end();
      }
    }
  }
}
