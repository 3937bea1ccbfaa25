package dev.concord.session.guilds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.proto.guild.v1.GuildRegistryGrpc;
import dev.concord.proto.guild.v1.JoinRequest;
import dev.concord.proto.guild.v1.JoinResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The join path's bulkhead and retries against a real (in-process) gRPC guild registry. */
class JoinClientTest {
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    scheduler.shutdownNow();
  }

  private ManagedChannel serve(GuildRegistryGrpc.GuildRegistryImplBase impl) throws Exception {
    String name = InProcessServerBuilder.generateName();
    Server server = InProcessServerBuilder.forName(name).addService(impl).executor(Executors.newFixedThreadPool(4)).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    closeables.add(server::shutdownNow);
    closeables.add(channel::shutdownNow);
    return channel;
  }

  private JoinClient client(boolean bulkhead, int perPod) {
    return new JoinClient(
        new JoinClient.Settings(bulkhead, perPod, Duration.ofSeconds(2), 30, Duration.ofMillis(5), Duration.ofMillis(50)),
        scheduler,
        b -> {});
  }

  @Test
  void guildRefusesTwice_joinRetriedAndSucceeds() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ManagedChannel ch =
        serve(
            new GuildRegistryGrpc.GuildRegistryImplBase() {
              @Override
              public void join(JoinRequest r, StreamObserver<JoinResponse> out) {
                if (calls.incrementAndGet() <= 2) {
                  out.onError(Status.RESOURCE_EXHAUSTED.withDescription("full; retry-after-ms=10").asRuntimeException());
                  return;
                }
                out.onNext(JoinResponse.newBuilder().setSnapshotSeq(9).build());
                out.onCompleted();
              }
            });
    JoinClient client = client(true, 4);
    JoinResponse r = client.join("guild-0", ch, JoinRequest.getDefaultInstance()).get(5, TimeUnit.SECONDS);
    assertThat(r.getSnapshotSeq()).isEqualTo(9);
    assertThat(client.guildRejections()).isEqualTo(2);
    assertThat(client.retries()).isEqualTo(2);
  }

  @Test
  void notAMember_failsAtOnce_noRetry() throws Exception {
    ManagedChannel ch =
        serve(
            new GuildRegistryGrpc.GuildRegistryImplBase() {
              @Override
              public void join(JoinRequest r, StreamObserver<JoinResponse> out) {
                out.onError(Status.PERMISSION_DENIED.asRuntimeException());
              }
            });
    JoinClient client = client(true, 4);
    CompletableFuture<JoinResponse> f = client.join("guild-0", ch, JoinRequest.getDefaultInstance());
    assertThat(f).failsWithin(Duration.ofSeconds(5));
    assertThat(client.retries()).isZero();
  }

  @Test
  void bulkhead_boundsOutstandingCallsPerPod_restRetriedUntilDone() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    ManagedChannel ch =
        serve(
            new GuildRegistryGrpc.GuildRegistryImplBase() {
              @Override
              public void join(JoinRequest r, StreamObserver<JoinResponse> out) {
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                scheduler.schedule(
                    () -> {
                      inFlight.decrementAndGet();
                      out.onNext(JoinResponse.getDefaultInstance());
                      out.onCompleted();
                    },
                    20,
                    TimeUnit.MILLISECONDS);
              }
            });
    JoinClient client = client(true, 2);
    List<CompletableFuture<JoinResponse>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(client.join("guild-0", ch, JoinRequest.getDefaultInstance()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(2);
    assertThat(client.bulkheadRejections()).isPositive();
    assertThat(client.calls()).isEqualTo(20);
  }
}
