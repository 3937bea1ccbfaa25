package dev.concord.streams;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** One asynchronous unary gRPC call as a {@link CompletableFuture}. */
public final class Unary {
  private Unary() {}

  /**
   * Runs one asynchronous unary call and returns its answer as a future. The call runs in the root
   * gRPC context: it outlives whatever call the caller may be serving (a batch is often sent from
   * the completion of another call, whose context is cancelled once it completes).
   */
  public static <T> CompletableFuture<T> call(Consumer<StreamObserver<T>> call) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Context.ROOT.run(
        () ->
            call.accept(
                new StreamObserver<T>() {
                  @Override
                  public void onNext(T value) {
                    f.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    f.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    if (!f.isDone()) {
                      f.completeExceptionally(Status.INTERNAL.withDescription("no response").asRuntimeException());
                    }
                  }
                }));
    return f;
  }
}
