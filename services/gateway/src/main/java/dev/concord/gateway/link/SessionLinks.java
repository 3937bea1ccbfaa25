package dev.concord.gateway.link;

import dev.concord.cluster.Channels;
import dev.concord.cluster.RingWatcher;
import dev.concord.ring.RingMember;
import dev.concord.ring.RingSnapshot;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's links to session pods, one per pod, opened on first use. IDENTIFY picks the pod by
 * the session ring's owner of the user id, so all of a user's sessions share a pod.
 *
 * <p>Concurrency: a concurrent map; a broken link removes itself and the next call opens a new
 * one.
 */
public final class SessionLinks implements AutoCloseable {
  private final RingWatcher sessionRing;
  private final Channels channels;
  private final Executor sendExecutor;
  private final int queueCapacity;
  private final int maxBatch;
  private final ConcurrentHashMap<String, SessionLinkClient> links = new ConcurrentHashMap<>();

  private final dev.concord.tracing.Tracing tracing;
  private java.util.function.LongConsumer writePass = nanos -> {};

  /** Takes each event loop's write pass over one shared dispatch (a histogram); set before links open. */
  public SessionLinks withWritePassTimer(java.util.function.LongConsumer timer) {
    this.writePass = timer;
    return this;
  }

  private long pendingDeliveries = DEFAULT_PENDING_DELIVERIES;

  /** Deliveries a link hands its event loops ahead of their writes before it stops reading (0: no limit). */
  public static final long DEFAULT_PENDING_DELIVERIES = 262_144;

  /** How far ahead of the event loops' writes a link reads; set before links open. */
  public SessionLinks withPendingDeliveries(long deliveries) {
    this.pendingDeliveries = deliveries;
    return this;
  }

  public SessionLinks(RingWatcher sessionRing, Channels channels, Executor sendExecutor, int queueCapacity, int maxBatch) {
    this(sessionRing, channels, sendExecutor, queueCapacity, maxBatch, dev.concord.tracing.Tracing.off());
  }

  public SessionLinks(
      RingWatcher sessionRing,
      Channels channels,
      Executor sendExecutor,
      int queueCapacity,
      int maxBatch,
      dev.concord.tracing.Tracing tracing) {
    this.tracing = tracing;
    this.sessionRing = sessionRing;
    this.channels = channels;
    this.sendExecutor = sendExecutor;
    this.queueCapacity = queueCapacity;
    this.maxBatch = maxBatch;
  }

  /** The link to the session pod owning {@code userId}, or null if no session pod is known. */
  public @Nullable SessionLinkClient linkFor(long userId) {
    RingSnapshot ring = sessionRing.ring().current();
    if (ring.isEmpty()) {
      return null;
    }
    return link(ring.owner(userId));
  }

  private SessionLinkClient link(RingMember owner) {
    return links.compute(
        owner.id(),
        (id, existing) -> {
          if (existing != null && !existing.isBroken() && existing.member().equals(owner)) {
            return existing;
          }
          SessionLinkClient[] self = new SessionLinkClient[1];
          self[0] =
              new SessionLinkClient(
                  owner,
                  sendExecutor,
                  queueCapacity,
                  maxBatch,
                  tracing,
                  writePass,
                  pendingDeliveries,
                  () -> links.remove(owner.id(), self[0]));
          self[0].open(channels.forAddress(owner.address()));
          return self[0];
        });
  }

  /**
   * The link to the session pod holding {@code sessionId} (its id names the pod, so this works
   * after the ring changed), else the user's current owner.
   */
  public @Nullable SessionLinkClient linkForSession(String sessionId, long userId) {
    int dot = sessionId.indexOf('.');
    if (dot >= 0) {
      var pod = sessionRing.ring().current().member(sessionId.substring(dot + 1));
      if (pod.isPresent()) {
        return link(pod.get());
      }
    }
    return linkFor(userId);
  }

  /** One link as introspection shows it: its session pod, connections carried, items queued. */
  public record LinkView(String sessionPod, int connections, int queued, boolean broken) {}

  public java.util.List<LinkView> views() {
    java.util.List<LinkView> out = new java.util.ArrayList<>();
    for (SessionLinkClient l : links.values()) {
      out.add(new LinkView(l.member().id(), l.connections(), l.queued(), l.isBroken()));
    }
    return out;
  }

  public int openLinks() {
    return links.size();
  }

  public int connections() {
    int n = 0;
    for (SessionLinkClient l : links.values()) {
      n += l.connections();
    }
    return n;
  }

  @Override
  public void close() {
    links.values().forEach(SessionLinkClient::close);
    links.clear();
  }
}
