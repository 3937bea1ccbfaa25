package dev.concord.cluster;

import dev.concord.proto.common.v1.Member;
import dev.concord.proto.common.v1.Role;
import dev.concord.proto.registry.v1.Goodbye;
import dev.concord.proto.registry.v1.Heartbeat;
import dev.concord.proto.registry.v1.LeaseRequest;
import dev.concord.proto.registry.v1.LeaseResponse;
import dev.concord.proto.registry.v1.RegistryGrpc;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds this pod's lease on its role's ring: a Registry.Lease stream that joins, then heartbeats
 * at the interval the registry asks for. If the stream breaks, it is reopened after a jittered,
 * capped backoff (100 ms doubling to 5 s) until {@link #close}; {@link #close} says goodbye so the
 * pod leaves the ring at once instead of after the registry's grace period.
 *
 * <p>Concurrency: start/close and the stream callbacks synchronize on this object; heartbeats run
 * on the given scheduler.
 */
public final class LeaseKeeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
  private static final long MIN_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 5_000;
  private static final long DEFAULT_INTERVAL_MS = 1_000;

  private final Role role;
  private final Member self;
  private final ManagedChannel registry;
  private final ScheduledExecutorService scheduler;
  private @Nullable ClientCallStreamObserver<LeaseRequest> call;
  private @Nullable ScheduledFuture<?> heartbeats;
  private boolean running;
  private long backoffMs = MIN_BACKOFF_MS;
  private volatile long ringVersion;

  public LeaseKeeper(Role role, String podId, String address, ManagedChannel registry, ScheduledExecutorService scheduler) {
    this.role = role;
    this.self = Member.newBuilder().setPodId(podId).setAddress(address).setWeight(1).build();
    this.registry = registry;
    this.scheduler = scheduler;
  }

  public synchronized void start() {
    if (!running) {
      running = true;
      open();
    }
  }

  public synchronized boolean isRunning() {
    return running;
  }

  /** The ring version of the last registry answer. */
  public long ringVersion() {
    return ringVersion;
  }

  private synchronized void open() {
    if (!running) {
      return;
    }
    Context.ROOT.run(
        () ->
            RegistryGrpc.newStub(registry)
                .lease(
                    new ClientResponseObserver<LeaseRequest, LeaseResponse>() {
                      @Override
                      public void beforeStart(ClientCallStreamObserver<LeaseRequest> stream) {
                        synchronized (LeaseKeeper.this) {
                          call = stream;
                        }
                      }

                      @Override
                      public void onNext(LeaseResponse r) {
                        onAnswer(this, r);
                      }

                      @Override
                      public void onError(Throwable t) {
                        ended(Status.fromThrowable(t).toString());
                      }

                      @Override
                      public void onCompleted() {
                        ended("completed by registry");
                      }
                    }));
    send(LeaseRequest.newBuilder().setRole(role).setJoin(self).build());
  }

  private synchronized void onAnswer(Object stream, LeaseResponse r) {
    ringVersion = r.getRingVersion();
    backoffMs = MIN_BACKOFF_MS;
    if (heartbeats == null && running) {
      long interval = r.getHeartbeatIntervalMs() > 0 ? r.getHeartbeatIntervalMs() : DEFAULT_INTERVAL_MS;
      log.info("{} {} holds its lease (heartbeat every {} ms, ring v{})", role, self.getPodId(), interval, r.getRingVersion());
      heartbeats =
          scheduler.scheduleAtFixedRate(
              () -> send(LeaseRequest.newBuilder().setRole(role).setHeartbeat(Heartbeat.getDefaultInstance()).build()),
              interval,
              interval,
              TimeUnit.MILLISECONDS);
    }
  }

  private synchronized void send(LeaseRequest request) {
    if (call != null) {
      try {
        call.onNext(request);
      } catch (RuntimeException e) {
        // the stream is gone; ended() reopens it
      }
    }
  }

  private synchronized void ended(String why) {
    if (heartbeats != null) {
      heartbeats.cancel(false);
      heartbeats = null;
    }
    call = null;
    if (!running) {
      return;
    }
    long delay = ThreadLocalRandom.current().nextLong(backoffMs / 2, backoffMs + 1);
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    log.warn("{} {} lost its lease stream ({}); rejoining in {} ms", role, self.getPodId(), why, delay);
    scheduler.schedule(this::open, delay, TimeUnit.MILLISECONDS);
  }

  /** Says goodbye (leaves the ring at once) and stops. */
  @Override
  public synchronized void close() {
    if (!running) {
      return;
    }
    running = false;
    if (heartbeats != null) {
      heartbeats.cancel(false);
      heartbeats = null;
    }
    if (call != null) {
      try {
        call.onNext(LeaseRequest.newBuilder().setRole(role).setGoodbye(Goodbye.getDefaultInstance()).build());
        call.onCompleted();
      } catch (RuntimeException e) {
        // already gone
      }
      call = null;
    }
  }
}
