package dev.concord.cluster;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;

/**
 * One-hop forwarding of keyed calls: a pod that is not the owner forwards the call once to the
 * owner by its ring, marking it {@link WrongOwnerStatus#FORWARDED}; a forwarded call that lands
 * on a non-owner again (the rings disagree mid-change) is answered with {@link WrongOwnerStatus}
 * instead of bouncing.
 */
public final class Forwarding {
  private static final Context.Key<Boolean> FORWARDED = Context.key("concord-forwarded");

  private Forwarding() {}

  /** Whether the current call was already forwarded once. */
  public static boolean isForwarded() {
    return Boolean.TRUE.equals(FORWARDED.get());
  }

  /** Marks calls of {@code stub} as forwarded. */
  public static <S extends AbstractStub<S>> S forwarded(S stub) {
    Metadata h = new Metadata();
    h.put(WrongOwnerStatus.FORWARDED, "1");
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  /** Copies the forwarded mark from the headers into the call's context. */
  public static ServerInterceptor serverInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (headers.containsKey(WrongOwnerStatus.FORWARDED)) {
          return Contexts.interceptCall(Context.current().withValue(FORWARDED, true), call, headers, next);
        }
        return next.startCall(call, headers);
      }
    };
  }
}
