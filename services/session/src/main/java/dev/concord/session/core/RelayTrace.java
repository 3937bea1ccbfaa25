package dev.concord.session.core;

import dev.concord.proto.common.v1.TraceContext;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.tracing.TraceWire;
import dev.concord.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * One session worker's share of a sampled relay event: its {@code session.relay} span (from the
 * moment the guild pod queued the event for this pod, i.e. its {@code relay.send} start, to the end
 * of this worker's pass: relay queue, wire and worker queue included) and a
 * {@code session.deliver} span for a sample of the copies it hands to gateway links, picked by
 * {@link dev.concord.tracing.FanoutSampling} from the event's recipient count over all pods.
 * Exists only for events that carry a trace: the worker asks {@code hasTrace()} first.
 */
final class RelayTrace {
  private final Tracing tracing;
  private final Span relay;
  private final int recipients;
  private final int stride;
  private final int offset;
  private int copies;

  private RelayTrace(Tracing tracing, Span relay, int recipients, int stride) {
    this.tracing = tracing;
    this.relay = relay;
    this.recipients = recipients;
    this.stride = stride;
    this.offset = stride == 1 ? 0 : ThreadLocalRandom.current().nextInt(stride);
  }

  /** The worker's trace of {@code e} (which carries one), or null if this pod does not trace. */
  static @Nullable RelayTrace start(Tracing tracing, RelayEvent e, int onWorker) {
    if (!tracing.enabled()) {
      return null;
    }
    TraceContext t = e.getTrace();
    Span relay = tracing.consumer("session.relay", TraceWire.parent(t), t.getQueuedAtUnixNanos());
    relay.setAttribute("concord.event", e.getType());
    relay.setAttribute("concord.recipients", t.getRecipients());
    relay.setAttribute("concord.recipients_on_worker", onWorker);
    return new RelayTrace(tracing, relay, t.getRecipients(), tracing.fanout().stride(t.getRecipients()));
  }

  /** Whether the worker's {@code index}-th recipient's copy is one of the traced ones. */
  boolean sampled(int index) {
    return (index + offset) % stride == 0;
  }

  /** A traced copy handed to its link: its span, and the context the link message carries on. */
  TraceContext delivered(Session s, long seq) {
    long now = Tracing.now();
    Span deliver = tracing.child("session.deliver", relay.getSpanContext(), now);
    deliver.setAttribute("concord.session_id", s.id);
    deliver.setAttribute("concord.seq", seq);
    deliver.end(now, java.util.concurrent.TimeUnit.NANOSECONDS);
    copies++;
    return TraceWire.of(deliver.getSpanContext(), now, recipients);
  }

  void end() {
    relay.setAttribute("concord.copies_traced", copies);
    relay.end();
  }
}
