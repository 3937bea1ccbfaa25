package dev.concord.session.presence;

import com.google.protobuf.ByteString;
import dev.concord.cluster.Channels;
import dev.concord.cluster.RingWatcher;
import dev.concord.proto.presence.v1.EndSessionRequest;
import dev.concord.proto.presence.v1.PresenceGrpc;
import dev.concord.proto.presence.v1.UpdatePresenceRequest;
import dev.concord.ring.RingSnapshot;
import dev.concord.session.core.PresencePort;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports session presence to the presence pod that owns the user (ring by user id). Calls have a
 * deadline and are never retried here: a failure is counted and logged, and the session goes on.
 */
public final class PresenceLink implements PresencePort {
  private static final Logger log = LoggerFactory.getLogger(PresenceLink.class);

  private final RingWatcher ring;
  private final Channels channels;
  private final Duration timeout;
  private final Counter failures;

  public PresenceLink(RingWatcher ring, Channels channels, Duration timeout, Counter failures) {
    this.ring = ring;
    this.channels = channels;
    this.timeout = timeout;
    this.failures = failures;
  }

  @Override
  public void update(
      long userId, String sessionId, String status, String platform, String activitiesJson, Collection<Long> guildIds) {
    PresenceGrpc.PresenceStub stub = stub(userId);
    if (stub == null) {
      return;
    }
    io.grpc.Context.ROOT.run(() -> stub.updatePresence(
        UpdatePresenceRequest.newBuilder()
            .setUserId(userId)
            .setSessionId(sessionId)
            .setStatus(status)
            .setPlatform(platform)
            .setActivitiesJson(ByteString.copyFromUtf8(activitiesJson))
            .addAllGuildIds(guildIds)
            .build(),
        observer("update", userId)));
  }

  @Override
  public void end(long userId, String sessionId, Collection<Long> guildIds) {
    PresenceGrpc.PresenceStub stub = stub(userId);
    if (stub == null) {
      return;
    }
    io.grpc.Context.ROOT.run(() -> stub.endSession(
        EndSessionRequest.newBuilder().setUserId(userId).setSessionId(sessionId).addAllGuildIds(guildIds).build(),
        observer("end", userId)));
  }

  private PresenceGrpc.PresenceStub stub(long userId) {
    RingSnapshot r = ring.ring().current();
    if (r.isEmpty()) {
      failures.increment();
      return null;
    }
    return PresenceGrpc.newStub(channels.forAddress(r.owner(userId).address()))
        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private <T> StreamObserver<T> observer(String what, long userId) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {
        failures.increment();
        log.debug("presence {} for user {} failed: {}", what, userId, Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {}
    };
  }

}
