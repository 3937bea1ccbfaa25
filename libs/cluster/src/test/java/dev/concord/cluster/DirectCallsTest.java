package dev.concord.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real gRPC over loopback: which thread runs a handler, and which runs a client's callback. */
class DirectCallsTest {
  private static final MethodDescriptor<byte[], byte[]> FAST = method("test.Probe/Fast");
  private static final MethodDescriptor<byte[], byte[]> STORE = method("test.Probe/Store");
  private static final MethodDescriptor<byte[], byte[]> OTHER = method("test.Accounts/Get");

  private static final ServerCalls.UnaryMethod<byte[], byte[]> WHERE_AM_I =
      (req, out) -> {
        out.onNext(describe(Thread.currentThread()).getBytes(StandardCharsets.UTF_8));
        out.onCompleted();
      };

  private Server server;
  private Channels channels;

  @BeforeEach
  void start() throws IOException {
    server = probeServer(Set.of("test.Probe/Store", "test.Accounts"));
    channels = new Channels();
  }

  /** Probe/Fast, Probe/Store and Accounts/Get, each answering with the thread that ran it. */
  private static Server probeServer(Set<String> blocking) throws IOException {
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                ServerServiceDefinition.builder("test.Probe")
                    .addMethod(FAST, ServerCalls.asyncUnaryCall(WHERE_AM_I))
                    .addMethod(STORE, ServerCalls.asyncUnaryCall(WHERE_AM_I))
                    .build())
            .addService(ServerServiceDefinition.builder("test.Accounts").addMethod(OTHER, ServerCalls.asyncUnaryCall(WHERE_AM_I)).build());
    DirectCalls.apply(b, blocking);
    return b.build().start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channels.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void unlistedMethodsRunOnTheTransportsEventLoop() {
    assertThat(call(FAST)).startsWith("event loop ");
  }

  @Test
  void listedMethodsAndServicesRunOnVirtualThreads() {
    assertThat(call(STORE)).startsWith("virtual grpc-blocking-");
    assertThat(call(OTHER)).startsWith("virtual grpc-blocking-");
  }

  @Test
  void withNothingBlockingEveryHandlerRunsOnTheEventLoop() throws Exception {
    Server plain = probeServer(Set.of());
    try {
      io.grpc.ManagedChannel ch = channels.forAddress("127.0.0.1:" + plain.getPort());
      assertThat(call(ch, FAST)).startsWith("event loop ");
      assertThat(call(ch, STORE)).startsWith("event loop ");
      assertThat(call(ch, OTHER)).startsWith("event loop ");
    } finally {
      plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void clientCallbacksRunOnTheTransportsEventLoop() throws Exception {
    CompletableFuture<String> where = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        channel().newCall(FAST, CallOptions.DEFAULT),
        new byte[0],
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {
            where.complete(describe(Thread.currentThread()));
          }

          @Override
          public void onError(Throwable t) {
            where.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    assertThat(where.get(5, TimeUnit.SECONDS)).startsWith("event loop ");
  }

  private String call(MethodDescriptor<byte[], byte[]> m) {
    return call(channel(), m);
  }

  private static String call(io.grpc.Channel ch, MethodDescriptor<byte[], byte[]> m) {
    return new String(ClientCalls.blockingUnaryCall(ch, m, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[0]), StandardCharsets.UTF_8);
  }

  private io.grpc.ManagedChannel channel() {
    return channels.forAddress("127.0.0.1:" + server.getPort());
  }

  private static String describe(Thread t) {
    if (t.isVirtual()) {
      return "virtual " + t.getName();
    }
    return (t instanceof FastThreadLocalThread ? "event loop " : "pool ") + t.getName();
  }

  private static MethodDescriptor<byte[], byte[]> method(String fullName) {
    MethodDescriptor.Marshaller<byte[]> bytes =
        new MethodDescriptor.Marshaller<>() {
          @Override
          public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
          }

          @Override
          public byte[] parse(InputStream stream) {
            try {
              return stream.readAllBytes();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        };
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(fullName)
        .setRequestMarshaller(bytes)
        .setResponseMarshaller(bytes)
        .build();
  }
}
