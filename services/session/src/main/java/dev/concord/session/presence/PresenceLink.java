package dev.concord.session.presence;

import com.google.protobuf.ByteString;
import dev.concord.cluster.Channels;
import dev.concord.cluster.RingWatcher;
import dev.concord.proto.presence.v1.EndSessionRequest;
import dev.concord.proto.presence.v1.EndSessionResponse;
import dev.concord.proto.presence.v1.PresenceGrpc;
import dev.concord.proto.presence.v1.UpdatePresenceRequest;
import dev.concord.proto.presence.v1.UpdatePresenceResponse;
import dev.concord.proto.presence.v1.UpdatePresencesRequest;
import dev.concord.proto.presence.v1.UpdatePresencesResponse;
import dev.concord.ring.RingMember;
import dev.concord.streams.PeerBatchers;
import dev.concord.streams.Unary;
import dev.concord.ring.RingSnapshot;
import dev.concord.session.core.PresencePort;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports session presence to the presence pod that owns the user (ring by user id), so that the
 * presence service can fail without any session noticing, and rebuild its state by itself.
 *
 * <p>It holds the latest presence of every live session on this pod (latest wins; one entry per
 * session, removed when the session ends, so bounded by the pod's sessions). An update that fails
 * marks its entry dirty; every {@code tick} dirty entries are sent again (at most {@code
 * maxPerTick}). When the presence ring changes (a presence pod left or joined) or a presence pod
 * answers with a new incarnation (it restarted and lost its state), every entry is marked due
 * again; ticks send at most {@code maxPerTick} due entries each, so presence converges within
 * {@code sessions / maxPerTick} ticks of coming back without a burst of every session at once.
 *
 * <p>Concurrency: a concurrent map of entries; calls are asynchronous with deadlines; the tick runs
 * on the given scheduler.
 */
public final class PresenceLink implements PresencePort, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PresenceLink.class);

  /** The latest presence of one session. */
  private record Entry(
      long userId, String status, String platform, String activitiesJson, List<Long> guildIds, boolean dirty) {}

  private final RingWatcher ring;
  private final Channels channels;
  private final Duration timeout;
  private final Counter failures;
  private final int maxPerTick;
  private final ConcurrentHashMap<String, Entry> latest = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> incarnations = new ConcurrentHashMap<>();
  private final AtomicLong reannounced = new AtomicLong();
  private volatile long announcedRingVersion = -1;
  private final java.util.concurrent.ScheduledFuture<?> ticker;
  /** Updates coalesced per presence pod into UpdatePresences calls (one per IDENTIFY before). */
  private final PeerBatchers<UpdatePresenceRequest, UpdatePresenceResponse> updates;

  public PresenceLink(
      RingWatcher ring,
      Channels channels,
      Duration timeout,
      Counter failures,
      ScheduledExecutorService scheduler,
      Duration tick,
      int maxPerTick) {
    this.ring = ring;
    this.channels = channels;
    this.timeout = timeout;
    this.failures = failures;
    this.maxPerTick = maxPerTick;
    this.updates =
        new PeerBatchers<>(
            (address, batch) ->
                Unary.<UpdatePresencesResponse>call(
                        out ->
                            PresenceGrpc.newStub(channels.forAddress(address))
                                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                                .updatePresences(UpdatePresencesRequest.newBuilder().addAllUpdates(batch).build(), out))
                    .thenApply(UpdatePresencesResponse::getResponsesList),
            2,
            500, // the presence pod accepts 1000
            1 << 20, // activities up to 4 KB and 1000 guild ids each: well under gRPC's 4 MiB default
            UpdatePresenceRequest::getSerializedSize,
            20_000,
            64);
    this.ticker = scheduler.scheduleWithFixedDelay(this::tick, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
  }

  public int sessions() {
    return latest.size();
  }

  public long reannounced() {
    return reannounced.get();
  }

  @Override
  public void update(
      long userId, String sessionId, String status, String platform, String activitiesJson, Collection<Long> guildIds) {
    Entry e = new Entry(userId, status, platform, activitiesJson, List.copyOf(guildIds), false);
    latest.put(sessionId, e);
    send(sessionId, e, List.of());
  }

  @Override
  public void joined(
      long userId, String sessionId, String status, String platform, String activitiesJson, Collection<Long> guildIds, long joined) {
    Entry e = new Entry(userId, status, platform, activitiesJson, List.copyOf(guildIds), false);
    latest.put(sessionId, e);
    send(sessionId, e, List.of(joined));
  }

  @Override
  public void end(long userId, String sessionId, Collection<Long> guildIds) {
    latest.remove(sessionId);
    PresenceGrpc.PresenceStub stub = stub(userId);
    if (stub == null) {
      return;
    }
    Context.ROOT.run(
        () ->
            stub.endSession(
                EndSessionRequest.newBuilder().setUserId(userId).setSessionId(sessionId).addAllGuildIds(guildIds).build(),
                new StreamObserver<EndSessionResponse>() {
                  @Override
                  public void onNext(EndSessionResponse value) {}

                  @Override
                  public void onError(Throwable t) {
                    // presence rebuilds without this session; nothing to retry
                    failures.increment();
                  }

                  @Override
                  public void onCompleted() {}
                }));
  }

  private void send(String sessionId, Entry e, List<Long> announce) {
    RingSnapshot r = ring.ring().current();
    if (r.isEmpty()) {
      markDirty(sessionId, e);
      return;
    }
    RingMember owner = r.owner(e.userId());
    UpdatePresenceRequest req =
        UpdatePresenceRequest.newBuilder()
            .setUserId(e.userId())
            .setSessionId(sessionId)
            .setStatus(e.status())
            .setPlatform(e.platform())
            .setActivitiesJson(ByteString.copyFromUtf8(e.activitiesJson()))
            .addAllGuildIds(e.guildIds())
            .addAllAnnounceGuildIds(announce)
            .build();
    updates
        .submit(owner.address(), req)
        .whenComplete(
            (resp, t) -> {
              if (t == null && !resp.getError().isEmpty()) {
                // the session checked what it sends: a refusal is a bug, not a state to retry
                failures.increment();
                log.warn("presence refused the update of session {}: {}", sessionId, resp.getError());
                return;
              }
              if (t != null) {
                failures.increment();
                markDirty(sessionId, e);
                log.debug("presence update of session {} failed: {}", sessionId, Status.fromThrowable(t));
                return;
              }
              Long before = incarnations.put(owner.id(), resp.getIncarnation());
              if (before != null && before != resp.getIncarnation()) {
                log.info("presence pod {} restarted; re-announcing every session", owner.id());
                reannounceAll(); // sent by the next ticks, bounded per tick
              }
            });
  }

  private void markDirty(String sessionId, Entry e) {
    // only if it is still the latest: a newer update replaces it
    latest.replace(sessionId, e, new Entry(e.userId(), e.status(), e.platform(), e.activitiesJson(), e.guildIds(), true));
  }

  private void tick() {
    try {
      long version = ring.ring().current().version();
      if (version != announcedRingVersion && !ring.ring().current().isEmpty()) {
        // A presence pod (re)joined: reconnect now rather than after the channel's backoff,
        // which grows while the pod is down.
        ring.ring().current().members().forEach(m -> channels.forAddress(m.address()).resetConnectBackoff());
        // Whatever ring we first see, and every change after it: the presence pods may be new
        // (restarted, rescheduled) and hold nothing, so every session is due again.
        if (!latest.isEmpty()) {
          log.info("presence ring v{}; re-announcing {} sessions", version, latest.size());
          reannounceAll();
        }
        announcedRingVersion = version;
      }
      sendDirty();
    } catch (RuntimeException e) {
      log.warn("presence tick failed", e);
    }
  }

  /** Sends at most {@code maxPerTick} due entries, so a re-announce never floods presence. */
  private void sendDirty() {
    int sent = 0;
    for (var en : latest.entrySet()) {
      if (sent >= maxPerTick) {
        return;
      }
      Entry e = en.getValue();
      if (e.dirty()) {
        Entry clean = new Entry(e.userId(), e.status(), e.platform(), e.activitiesJson(), e.guildIds(), false);
        if (latest.replace(en.getKey(), e, clean)) {
          send(en.getKey(), clean, List.of());
          sent++;
        }
      }
    }
  }

  /** Marks every session due: the ticks send them, {@code maxPerTick} at a time. */
  private void reannounceAll() {
    latest.replaceAll(
        (id, e) -> {
          reannounced.incrementAndGet();
          return new Entry(e.userId(), e.status(), e.platform(), e.activitiesJson(), e.guildIds(), true);
        });
  }

  private PresenceGrpc.PresenceStub stub(long userId) {
    RingSnapshot r = ring.ring().current();
    if (r.isEmpty()) {
      return null;
    }
    return PresenceGrpc.newStub(channels.forAddress(r.owner(userId).address()))
        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    ticker.cancel(false);
  }
}
