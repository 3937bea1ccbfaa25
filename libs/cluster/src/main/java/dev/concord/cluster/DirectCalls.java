package dev.concord.cluster;

import io.grpc.ServerBuilder;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * Where a gRPC server runs its handlers. gRPC's default hands every message of every call from
 * the transport's event loop to a cached thread pool: on a warm connect storm that pool's threads
 * took 28 % of the suite's CPU samples, a third of it in the kernel switching to and from them
 * (perf, N = 5 000; bench/README.md). With {@link #apply} the handlers run on the event loop that
 * read the message, and only the services or methods named as blocking (store reads on the
 * calling thread) run on a virtual thread each.
 *
 * <p>The rule this sets for every handler not named: it must not block. It may take short locks,
 * hand work to a queue, or complete a future; a store read, a sleep or a wait for another call's
 * answer belongs in a named method (or on an executor of its own).
 */
public final class DirectCalls {
  /** Set to false to give every call gRPC's default executor again (for side-by-side measurement). */
  public static final String PROPERTY = "concord.grpc.direct-calls";

  private DirectCalls() {}

  /** True unless the system property {@value #PROPERTY} is {@code false}. */
  public static boolean enabled() {
    return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"));
  }

  /**
   * Handlers on the transport's threads, except the services or full method names in {@code
   * blocking} (for example {@code concord.guild.v1.Accounts} or {@code
   * concord.guild.v1.Invites/UseInvite}), which run on virtual threads.
   */
  public static <T extends ServerBuilder<T>> void apply(T builder, Set<String> blocking) {
    if (!enabled()) {
      return;
    }
    builder.directExecutor();
    if (!blocking.isEmpty()) {
      // only with a supplier does gRPC wrap every call in a SerializingExecutor; without one it
      // takes its cheaper path for a direct executor
      Executor offload = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("grpc-blocking-", 0).factory());
      builder.callExecutor(supplier(blocking, offload));
    }
  }

  static ServerCallExecutorSupplier supplier(Set<String> blocking, Executor offload) {
    Set<String> names = Set.copyOf(blocking);
    return new ServerCallExecutorSupplier() {
      @Override
      public <ReqT, RespT> Executor getExecutor(io.grpc.ServerCall<ReqT, RespT> call, io.grpc.Metadata headers) {
        io.grpc.MethodDescriptor<ReqT, RespT> m = call.getMethodDescriptor();
        return names.contains(m.getServiceName()) || names.contains(m.getFullMethodName()) ? offload : null;
      }
    };
  }
}
