package dev.concord.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One service's tracer, or none. What a hot path asks first is {@link #enabled()} (a final field)
 * or whether a message {@code hasTrace()}; everything else happens only for sampled messages.
 *
 * <p>Sampling: a publish's entry span continues its caller's decision (a {@code traceparent}
 * header) or is head-sampled at {@link Settings#sampleRate}. Sampled messages carry their context
 * in a {@code TraceContext} field to the next pod ({@link TraceWire}); delivered copies are
 * sampled again by recipient count ({@link FanoutSampling}), so a message to 10 000 sessions makes
 * ~10 delivery spans in its trace, never a root span per copy.
 *
 * <p>Export: spans are queued (bounded by {@link Settings#maxQueuedSpans}; beyond that the SDK
 * drops them and counts the drop) and exported in batches off the hot path, to the log or to an
 * OTLP/HTTP endpoint.
 */
public final class Tracing implements AutoCloseable {
  /** Where spans go. */
  public enum Mode {
    /** No tracer: nothing is sampled, nothing carried. */
    OFF,
    /** Each span is logged by OpenTelemetry's logging exporter (java.util.logging, INFO). */
    LOG,
    /** OTLP over HTTP/protobuf to {@link Settings#otlpEndpoint}. */
    OTLP;

    public static Mode parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("tracing mode '" + s + "' is not one of off, log, otlp", e);
      }
    }
  }

  /**
   * @param sampleRate share of publishes (without a sampled caller) traced, in [0, 1]
   * @param otlpEndpoint OTLP/HTTP traces endpoint, e.g. {@code http://otel-collector:4318/v1/traces}
   * @param maxQueuedSpans spans waiting for export at most; more are dropped
   */
  public record Settings(Mode mode, double sampleRate, String otlpEndpoint, FanoutSampling fanout, int maxQueuedSpans) {
    public Settings {
      if (!(sampleRate >= 0 && sampleRate <= 1)) {
        throw new IllegalArgumentException("tracing sample rate out of range: " + sampleRate + " (expected: 0 to 1)");
      }
      if (maxQueuedSpans < 1) {
        throw new IllegalArgumentException("tracing max queued spans out of range: " + maxQueuedSpans + " (expected: >= 1)");
      }
    }

    public static Settings off() {
      return new Settings(Mode.OFF, 0, "", FanoutSampling.DEFAULT, 8192);
    }
  }

  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
  private static final Tracing OFF = new Tracing(TracerProvider.noop().get("dev.concord"), null, FanoutSampling.DEFAULT, false);

  private final boolean enabled;
  private final Tracer tracer;
  private final @Nullable SdkTracerProvider provider;
  private final FanoutSampling fanout;

  private Tracing(Tracer tracer, @Nullable SdkTracerProvider provider, FanoutSampling fanout, boolean enabled) {
    this.tracer = tracer;
    this.provider = provider;
    this.fanout = fanout;
    this.enabled = enabled;
  }

  /** Tracing switched off: {@link #enabled()} is false and no span is ever recorded. */
  public static Tracing off() {
    return OFF;
  }

  /** The tracer {@code settings} describe, for service {@code service} (e.g. concord-guild). */
  public static Tracing create(String service, Settings settings) {
    SpanExporter exporter =
        switch (settings.mode()) {
          case OFF -> null;
          case LOG -> LoggingSpanExporter.create();
          case OTLP -> {
            if (settings.otlpEndpoint().isBlank()) {
              throw new IllegalArgumentException("tracing mode otlp needs an OTLP endpoint (concord.tracing.otlp-endpoint)");
            }
            yield OtlpHttpSpanExporter.builder().setEndpoint(settings.otlpEndpoint()).setTimeout(Duration.ofSeconds(10)).build();
          }
        };
    if (exporter == null) {
      return OFF;
    }
    SpanProcessor batches =
        BatchSpanProcessor.builder(exporter)
            .setMaxQueueSize(settings.maxQueuedSpans())
            .setMaxExportBatchSize(Math.min(512, settings.maxQueuedSpans()))
            .setScheduleDelay(Duration.ofSeconds(1))
            .build();
    return withProcessor(service, settings.sampleRate(), settings.fanout(), batches);
  }

  /**
   * Spans exported to {@code exporter} as each ends (tests with an in-memory exporter, an embedding
   * application). Closing this tracer does not shut {@code exporter} down: several services of one
   * JVM may share it.
   */
  public static Tracing exportingTo(String service, SpanExporter exporter, double sampleRate, FanoutSampling fanout) {
    return withProcessor(service, sampleRate, fanout, SimpleSpanProcessor.create(new Unclosed(exporter)));
  }

  /** A tracer over any span processor (the benchmarks). */
  public static Tracing withProcessor(String service, double sampleRate, FanoutSampling fanout, SpanProcessor processor) {
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, service))))
            .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRate)))
            .addSpanProcessor(processor)
            .build();
    return new Tracing(provider.get("dev.concord"), provider, fanout, true);
  }

  public boolean enabled() {
    return enabled;
  }

  public FanoutSampling fanout() {
    return fanout;
  }

  /**
   * The entry span of a request (a publish): a child of {@code parent}'s span when it has one (its
   * sampling decision holds), else a new trace sampled at the head rate. Check {@link
   * Span#isRecording()} before adding anything to it.
   */
  public Span entry(String name, Context parent) {
    return tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
  }

  /**
   * Runs {@code call} inside a new {@link #entry} span (current on this thread while {@code call}
   * starts, so what it submits can find it) and ends the span when the returned future completes.
   * Off: just {@code call}.
   */
  public <T> java.util.concurrent.CompletableFuture<T> traced(
      String name, Context parent, java.util.function.Supplier<java.util.concurrent.CompletableFuture<T>> call) {
    if (!enabled) {
      return call.get();
    }
    Span span = entry(name, parent);
    java.util.concurrent.CompletableFuture<T> f;
    try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
      f = call.get();
    } catch (RuntimeException e) {
      span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, String.valueOf(e.getMessage()));
      span.end();
      throw e;
    }
    return f.whenComplete(
        (r, e) -> {
          if (e != null) {
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, String.valueOf(e.getMessage()));
          }
          span.end();
        });
  }

  /**
   * Whether a call's {@code parent} (from {@link GrpcTracing#parent()}) is a sampled trace this
   * pod should continue. Internal calls (joins) start no trace of their own on the callee.
   */
  public boolean continues(Context parent) {
    return enabled && Span.fromContext(parent).getSpanContext().isSampled();
  }

  /** A span of a sampled message's trace, a child of {@code parent}, started at {@code startNanos}. */
  public Span child(String name, SpanContext parent, long startNanos) {
    return tracer
        .spanBuilder(name)
        .setParent(Context.root().with(Span.wrap(parent)))
        .setStartTimestamp(startNanos, TimeUnit.NANOSECONDS)
        .startSpan();
  }

  /** As {@link #child}, for the receiving end of a hop ({@code parent} came with the message). */
  public Span consumer(String name, SpanContext parent, long startNanos) {
    return tracer
        .spanBuilder(name)
        .setParent(Context.root().with(Span.wrap(parent)))
        .setSpanKind(SpanKind.CONSUMER)
        .setStartTimestamp(startNanos, TimeUnit.NANOSECONDS)
        .startSpan();
  }

  /** Wall-clock now in Unix epoch nanoseconds (the clock spans are timed with). */
  public static long now() {
    return Clock.getDefault().now();
  }

  /** Exports what is queued (at most {@code timeout}); for tests and a clean shutdown. */
  public void flush(Duration timeout) {
    if (provider != null) {
      provider.forceFlush().join(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() {
    if (provider != null) {
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  /** An exporter whose shutdown is left to its owner. */
  private record Unclosed(SpanExporter delegate) implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return delegate.export(spans);
    }

    @Override
    public CompletableResultCode flush() {
      return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
