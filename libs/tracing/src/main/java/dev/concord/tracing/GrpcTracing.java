package dev.concord.tracing;

import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A request's trace across a unary gRPC call, as W3C {@code traceparent} metadata: the caller
 * {@link #propagate}s its span, the callee's {@link #serverInterceptor} makes it the {@link
 * #parent()} of the call's entry span. A backend with its own OpenTelemetry instrumentation that
 * calls {@code GuildApi} joins its trace the same way.
 */
public final class GrpcTracing {
  private static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> TRACESTATE = Metadata.Key.of("tracestate", Metadata.ASCII_STRING_MARSHALLER);
  private static final io.grpc.Context.Key<Context> PARENT = io.grpc.Context.key("concord-trace-parent");
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<Metadata> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
          return List.of("traceparent", "tracestate");
        }

        @Override
        public @Nullable String get(@Nullable Metadata carrier, String key) {
          if (carrier == null) {
            return null;
          }
          return carrier.get(key.equals("traceparent") ? TRACEPARENT : TRACESTATE);
        }
      };

  private GrpcTracing() {}

  /** Takes a caller's {@code traceparent} into the call's gRPC context (nothing if it has none). */
  public static ServerInterceptor serverInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!headers.containsKey(TRACEPARENT)) {
          return next.startCall(call, headers);
        }
        Context parent = W3C.extract(Context.root(), headers, GETTER);
        return Contexts.interceptCall(io.grpc.Context.current().withValue(PARENT, parent), call, headers, next);
      }
    };
  }

  /** The caller's trace in the current call (root if it sent none). */
  public static Context parent() {
    Context c = PARENT.get();
    return c == null ? Context.root() : c;
  }

  /** {@code stub} sending {@code context}'s span as the call's parent (unchanged if there is none). */
  public static <S extends AbstractStub<S>> S propagate(S stub, Context context) {
    Metadata md = new Metadata();
    W3C.inject(context, md, (carrier, key, value) -> carrier.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value));
    if (!md.containsKey(TRACEPARENT)) {
      return stub;
    }
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
  }
}
