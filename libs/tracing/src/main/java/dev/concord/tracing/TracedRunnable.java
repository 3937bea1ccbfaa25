package dev.concord.tracing;

import io.opentelemetry.api.trace.SpanContext;

/**
 * A step that sends messages onward (a guild event's relay sends), which can carry a sampled trace:
 * {@link #run()} sends them as they are, {@link #run(SpanContext)} sends them with the
 * trace context in their dedicated field, as children of {@code parent}.
 */
public interface TracedRunnable extends Runnable {
  void run(SpanContext parent);
}
