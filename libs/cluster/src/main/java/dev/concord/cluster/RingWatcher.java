package dev.concord.cluster;

import dev.concord.proto.common.v1.Role;
import dev.concord.proto.registry.v1.RegistryGrpc;
import dev.concord.proto.registry.v1.RingSnapshot;
import dev.concord.proto.registry.v1.WatchRingRequest;
import dev.concord.ring.RingHolder;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link #ring()} equal to the registry's latest ring of one role by holding a WatchRing
 * stream open. A broken stream is reopened after a jittered, capped backoff (100 ms doubling to
 * 5 s) for as long as the watcher is open; the last ring stays in force meanwhile (a stale ring is
 * normal: owners redirect with their ring version).
 *
 * <p>Concurrency: the stream's callbacks run on the channel's event loop ({@link Channels}); the
 * ring is published through {@link RingHolder}'s volatile reference and read lock-free by any
 * thread.
 */
public final class RingWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RingWatcher.class);
  private static final long MIN_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final Role role;
  private final ManagedChannel registry;
  private final ScheduledExecutorService scheduler;
  private final RingHolder holder = new RingHolder();
  private final CountDownLatch firstRing = new CountDownLatch(1);
  private volatile boolean closed;
  private volatile ClientCallStreamObserver<WatchRingRequest> call;
  private long backoffMs = MIN_BACKOFF_MS;

  public RingWatcher(Role role, ManagedChannel registry, ScheduledExecutorService scheduler) {
    this.role = role;
    this.registry = registry;
    this.scheduler = scheduler;
  }

  public RingWatcher start() {
    open();
    return this;
  }

  public RingHolder ring() {
    return holder;
  }

  /** Waits until a non-empty ring arrived; false on timeout. */
  public boolean awaitMembers(Duration timeout) throws InterruptedException {
    return firstRing.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void open() {
    if (closed) {
      return;
    }
    RegistryGrpc.newStub(registry)
        .watchRing(
            WatchRingRequest.newBuilder().setRole(role).build(),
            new ClientResponseObserver<WatchRingRequest, RingSnapshot>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<WatchRingRequest> stream) {
                call = stream;
              }

              @Override
              public void onNext(RingSnapshot snapshot) {
                backoffMs = MIN_BACKOFF_MS;
                if (holder.offer(Roles.toRing(snapshot))) {
                  log.info("{} ring v{}: {} members", role, snapshot.getVersion(), snapshot.getMembersCount());
                }
                if (snapshot.getMembersCount() > 0) {
                  firstRing.countDown();
                }
              }

              @Override
              public void onError(Throwable t) {
                retry(Status.fromThrowable(t).toString());
              }

              @Override
              public void onCompleted() {
                retry("completed by registry");
              }
            });
  }

  private void retry(String why) {
    if (closed) {
      return;
    }
    long delay = ThreadLocalRandom.current().nextLong(backoffMs / 2, backoffMs + 1);
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    log.debug("{} ring watch ended ({}), reopening in {} ms", role, why, delay);
    scheduler.schedule(this::open, delay, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    closed = true;
    ClientCallStreamObserver<WatchRingRequest> c = call;
    if (c != null) {
      c.cancel("watcher closed", null);
    }
  }
}
