package dev.concord.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.cluster.Channels;
import dev.concord.cluster.LeaseKeeper;
import dev.concord.cluster.RingWatcher;
import dev.concord.proto.common.v1.Member;
import dev.concord.proto.common.v1.Role;
import dev.concord.proto.registry.v1.LeaseRequest;
import dev.concord.proto.registry.v1.LeaseResponse;
import dev.concord.proto.registry.v1.RegistryGrpc;
import dev.concord.ring.RingSnapshot;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The lease source end to end: a real registry over gRPC on loopback, pods holding leases with
 * {@link LeaseKeeper}, and a {@link RingWatcher} seeing the ring change.
 */
class LeaseMembershipTest {
  static final long GRACE_MS = 600;

  private ConfigurableApplicationContext registry;
  private String address;
  private final Channels channels = new Channels();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);

  @BeforeEach
  void start() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    registry =
        RegistryApplication.builder()
            .run(
                "--spring.grpc.server.port=" + port,
                "--server.port=0",
                "--concord.registry.heartbeat-interval=150ms",
                "--concord.registry.lease-grace=" + GRACE_MS + "ms");
    address = "127.0.0.1:" + port;
  }

  @AfterEach
  void stop() {
    channels.close();
    scheduler.shutdownNow();
    registry.close();
  }

  private static void await(RingWatcher w, Predicate<RingSnapshot> cond, long timeoutMs) throws InterruptedException {
    dev.concord.testkit.Await.until(
        () -> cond.test(w.ring().current()), java.time.Duration.ofMillis(timeoutMs), "ring condition; last: " + w.ring().current());
  }

  private static boolean hasMembers(RingSnapshot r, String... ids) {
    if (r.members().size() != ids.length) {
      return false;
    }
    for (String id : ids) {
      if (r.member(id).isEmpty()) {
        return false;
      }
    }
    return true;
  }

  @Test
  void leases_joinAndGoodbye_ringFollows() throws Exception {
    RingWatcher watcher = new RingWatcher(Role.ROLE_GUILD, channels.forAddress(address), scheduler).start();
    LeaseKeeper a = new LeaseKeeper(Role.ROLE_GUILD, "guild-a", "127.0.0.1:1", channels.forAddress(address), scheduler);
    LeaseKeeper b = new LeaseKeeper(Role.ROLE_GUILD, "guild-b", "127.0.0.1:2", channels.forAddress(address), scheduler);
    a.start();
    b.start();
    await(watcher, r -> hasMembers(r, "guild-a", "guild-b"), 5_000);
    long version = watcher.ring().current().version();
    b.close(); // goodbye: leaves at once
    await(watcher, r -> hasMembers(r, "guild-a"), 5_000);
    assertThat(watcher.ring().current().version()).isGreaterThan(version);
    a.close();
    watcher.close();
  }

  @Test
  void silentPod_droppedAfterGrace_itsKeysMoveToTheSurvivor() throws Exception {
    RingWatcher watcher = new RingWatcher(Role.ROLE_GUILD, channels.forAddress(address), scheduler).start();
    LeaseKeeper a = new LeaseKeeper(Role.ROLE_GUILD, "guild-a", "127.0.0.1:1", channels.forAddress(address), scheduler);
    a.start();
    // guild-b joins over a raw stream and then goes silent: no heartbeat, no goodbye, stream open
    ManagedChannel raw = NettyChannelBuilder.forTarget(address).usePlaintext().build();
    StreamObserver<LeaseRequest> silent =
        RegistryGrpc.newStub(raw)
            .lease(
                new StreamObserver<LeaseResponse>() {
                  @Override
                  public void onNext(LeaseResponse value) {}

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    silent.onNext(
        LeaseRequest.newBuilder()
            .setRole(Role.ROLE_GUILD)
            .setJoin(Member.newBuilder().setPodId("guild-b").setAddress("127.0.0.1:2"))
            .build());
    await(watcher, r -> hasMembers(r, "guild-a", "guild-b"), 5_000);

    RingSnapshot before = watcher.ring().current();
    Map<Long, String> ownerBefore = new HashMap<>();
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < 1000; i++) {
      long key = rnd.nextLong();
      ownerBefore.put(key, before.owner(key).id());
    }
    assertThat(ownerBefore.values()).contains("guild-b");

    long t0 = System.nanoTime();
    await(watcher, r -> hasMembers(r, "guild-a"), GRACE_MS * 5 / 4 + 2_000);
    long droppedAfterMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("silent pod left the ring after " + droppedAfterMs + " ms (grace " + GRACE_MS + " ms)");
    RingSnapshot after = watcher.ring().current();
    ownerBefore.forEach(
        (key, owner) -> {
          assertThat(after.owner(key).id()).isEqualTo("guild-a");
        });
    raw.shutdownNow();
    a.close();
    watcher.close();
  }

  @Test
  void brokenStream_podDroppedWithoutWaitingForGrace() throws Exception {
    RingWatcher watcher = new RingWatcher(Role.ROLE_SESSION, channels.forAddress(address), scheduler).start();
    ManagedChannel doomed = NettyChannelBuilder.forTarget(address).usePlaintext().build();
    LeaseKeeper a = new LeaseKeeper(Role.ROLE_SESSION, "session-a", "127.0.0.1:1", channels.forAddress(address), scheduler);
    LeaseKeeper b = new LeaseKeeper(Role.ROLE_SESSION, "session-b", "127.0.0.1:2", doomed, scheduler);
    a.start();
    b.start();
    await(watcher, r -> hasMembers(r, "session-a", "session-b"), 5_000);
    doomed.shutdownNow(); // the process "dies": its connection is gone, no goodbye
    await(watcher, r -> hasMembers(r, "session-a"), 5_000);
    a.close();
    watcher.close();
  }

  @Test
  void samePodRejoinsOnNewStream_beforeItsOldLeaseEnded_ringVersionStillMoves() throws Exception {
    RingWatcher watcher = new RingWatcher(Role.ROLE_PRESENCE, channels.forAddress(address), scheduler).start();
    ManagedChannel oldProcess = NettyChannelBuilder.forTarget(address).usePlaintext().build();
    LeaseKeeper before = new LeaseKeeper(Role.ROLE_PRESENCE, "presence-0", "127.0.0.1:9", oldProcess, scheduler);
    before.start();
    await(watcher, r -> hasMembers(r, "presence-0"), 5_000);
    long version = watcher.ring().current().version();
    // the restarted process joins while the old stream is still open (its goodbye not yet seen)
    LeaseKeeper after = new LeaseKeeper(Role.ROLE_PRESENCE, "presence-0", "127.0.0.1:9", channels.forAddress(address), scheduler);
    after.start();
    await(watcher, r -> r.version() > version && hasMembers(r, "presence-0"), 5_000);
    oldProcess.shutdownNow(); // the old stream breaks: the new lease must survive it
    dev.concord.testkit.Await.until(oldProcess::isTerminated, "the old process's channel is gone");
    long ringAfterRejoin = watcher.ring().current().version();
    // "The new lease survives" can only be watched over time: one full grace period, in which a
    // wrongly ended lease would have produced a new ring version.
    Thread.sleep(GRACE_MS + 200);
    assertThat(hasMembers(watcher.ring().current(), "presence-0")).isTrue();
    assertThat(watcher.ring().current().version()).isEqualTo(ringAfterRejoin);
    after.close();
    watcher.close();
  }
}
