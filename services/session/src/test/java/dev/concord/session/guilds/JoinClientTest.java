package dev.concord.session.guilds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.cluster.WrongOwnerStatus;
import dev.concord.proto.common.v1.Role;
import dev.concord.proto.common.v1.WrongOwner;
import dev.concord.proto.guild.v1.GuildRegistryGrpc;
import dev.concord.proto.guild.v1.JoinBatchRequest;
import dev.concord.proto.guild.v1.JoinBatchResponse;
import dev.concord.proto.guild.v1.JoinOutcome;
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

  private JoinClient client(boolean bulkhead, int perPod, int batchSize) {
    return new JoinClient(
        new JoinClient.Settings(bulkhead, perPod, Duration.ofSeconds(2), 30, Duration.ofMillis(5), Duration.ofMillis(50), batchSize, 10_000),
        scheduler,
        b -> {});
  }

  private static JoinOutcome ok(long seq) {
    return JoinOutcome.newBuilder().setResponse(JoinResponse.newBuilder().setSnapshotSeq(seq)).build();
  }

  private static JoinOutcome failed(Status.Code code, String message) {
    return JoinOutcome.newBuilder().setCode(code.value()).setMessage(message).build();
  }

  /** Answers a batch with one outcome per join, in order. */
  private static void answer(
      JoinBatchRequest r, StreamObserver<JoinBatchResponse> out, java.util.function.Function<JoinRequest, JoinOutcome> outcome) {
    JoinBatchResponse.Builder b = JoinBatchResponse.newBuilder();
    r.getJoinsList().forEach(j -> b.addOutcomes(outcome.apply(j)));
    out.onNext(b.build());
    out.onCompleted();
  }

  /** A guild registry whose batch answers come from {@code answer}, one join at a time. */
  private ManagedChannel batchServer(java.util.function.Function<JoinRequest, JoinOutcome> answer, AtomicInteger calls) throws Exception {
    return serve(
        new GuildRegistryGrpc.GuildRegistryImplBase() {
          @Override
          public void joinBatch(JoinBatchRequest r, StreamObserver<JoinBatchResponse> out) {
            calls.incrementAndGet();
            answer(r, out, answer);
          }
        });
  }

  @Test
  void guildRefusesTwice_joinRetriedWithBackoffAndSucceeds() throws Exception {
    AtomicInteger seen = new AtomicInteger();
    ManagedChannel ch =
        batchServer(
            j -> seen.incrementAndGet() <= 2 ? failed(Status.Code.RESOURCE_EXHAUSTED, "full; retry-after-ms=10") : ok(9),
            new AtomicInteger());
    JoinClient client = client(true, 4, 16);
    JoinResponse r = client.join("guild-0", ch, JoinRequest.getDefaultInstance()).get(5, TimeUnit.SECONDS);
    assertThat(r.getSnapshotSeq()).isEqualTo(9);
    assertThat(client.guildRejections()).isEqualTo(2);
    assertThat(client.retries()).isEqualTo(2);
  }

  @Test
  void notAMember_failsAtOnce_noRetry() throws Exception {
    ManagedChannel ch = batchServer(j -> failed(Status.Code.PERMISSION_DENIED, "not a member"), new AtomicInteger());
    JoinClient client = client(true, 4, 16);
    CompletableFuture<JoinResponse> f = client.join("guild-0", ch, JoinRequest.getDefaultInstance());
    assertThat(f).failsWithin(Duration.ofSeconds(5)).withThrowableThat().withMessageContaining("PERMISSION_DENIED");
    assertThat(client.retries()).isZero();
  }

  @Test
  void wrongOwnerOutcome_failsWithTheWrongOwnerTrailer() throws Exception {
    ManagedChannel ch =
        batchServer(
            j ->
                failed(Status.Code.FAILED_PRECONDITION, "owned by guild-1").toBuilder()
                    .setWrongOwner(WrongOwner.newBuilder().setRole(Role.ROLE_GUILD).setRingVersion(7).setOwnerPodId("guild-1"))
                    .build(),
            new AtomicInteger());
    CompletableFuture<JoinResponse> f = client(true, 4, 16).join("guild-0", ch, JoinRequest.getDefaultInstance());
    assertThat(f).failsWithin(Duration.ofSeconds(5));
    Throwable cause = f.handle((r, e) -> e).get();
    assertThat(WrongOwnerStatus.from(cause)).hasValueSatisfying(w -> assertThat(w.getRingVersion()).isEqualTo(7));
  }

  @Test
  void bulkhead_boundsOutstandingCallsPerPod_waitingJoinsLeaveInBatches() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    AtomicInteger maxBatch = new AtomicInteger();
    AtomicInteger calls = new AtomicInteger();
    ManagedChannel ch =
        serve(
            new GuildRegistryGrpc.GuildRegistryImplBase() {
              @Override
              public void joinBatch(JoinBatchRequest r, StreamObserver<JoinBatchResponse> out) {
                calls.incrementAndGet();
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                maxBatch.accumulateAndGet(r.getJoinsCount(), Math::max);
                scheduler.schedule(
                    () -> {
                      inFlight.decrementAndGet();
                      answer(r, out, j -> ok(j.getSessionKey()));
                    },
                    20,
                    TimeUnit.MILLISECONDS);
              }
            });
    JoinClient client = client(true, 2, 8);
    List<CompletableFuture<JoinResponse>> all = new ArrayList<>();
    for (int i = 1; i <= 200; i++) {
      all.add(client.join("guild-0", ch, JoinRequest.newBuilder().setSessionKey(i).build()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    for (int i = 0; i < all.size(); i++) {
      assertThat(all.get(i).get().getSnapshotSeq()).as("each join gets its own outcome").isEqualTo(i + 1);
    }
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(2);
    assertThat(maxBatch.get()).isLessThanOrEqualTo(8);
    assertThat(calls.get()).isLessThanOrEqualTo(100).isEqualTo((int) client.calls());
    assertThat(client.bulkheadRejections()).isPositive();
    assertThat(client.retries()).as("waiting is not retrying").isZero();
    assertThat(client.waiting()).isZero();
  }

  @Test
  void wholeCallUnavailable_everyJoinInItRetried() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ManagedChannel ch =
        serve(
            new GuildRegistryGrpc.GuildRegistryImplBase() {
              @Override
              public void joinBatch(JoinBatchRequest r, StreamObserver<JoinBatchResponse> out) {
                if (calls.incrementAndGet() == 1) {
                  out.onError(Status.UNAVAILABLE.withDescription("pod restarting").asRuntimeException());
                  return;
                }
                answer(r, out, j -> ok(1));
              }
            });
    JoinClient client = client(true, 1, 16);
    List<CompletableFuture<JoinResponse>> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(client.join("guild-0", ch, JoinRequest.getDefaultInstance()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(client.retries()).isPositive();
  }

  @Test
  void bulkheadOff_oneCallPerJoin_sentAtOnce() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ManagedChannel ch =
        serve(
            new GuildRegistryGrpc.GuildRegistryImplBase() {
              @Override
              public void join(JoinRequest r, StreamObserver<JoinResponse> out) {
                calls.incrementAndGet();
                out.onNext(JoinResponse.newBuilder().setSnapshotSeq(3).build());
                out.onCompleted();
              }
            });
    JoinClient client = client(false, 2, 8);
    List<CompletableFuture<JoinResponse>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(client.join("guild-0", ch, JoinRequest.getDefaultInstance()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(calls.get()).isEqualTo(20);
    assertThat(client.bulkheadRejections()).isZero();
  }
}
