package dev.concord.session.guilds;

import dev.concord.cluster.Channels;
import dev.concord.cluster.RingWatcher;
import dev.concord.cluster.WrongOwnerStatus;
import dev.concord.proto.guild.v1.GetUsersRequest;
import dev.concord.proto.guild.v1.GetUsersResponse;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.GuildRegistryGrpc;
import dev.concord.proto.guild.v1.GuildRelayGrpc;
import dev.concord.proto.guild.v1.JoinRequest;
import dev.concord.proto.guild.v1.JoinResponse;
import dev.concord.proto.guild.v1.LeaveRequest;
import dev.concord.proto.guild.v1.LeaveResponse;
import dev.concord.proto.guild.v1.OpenRelayRequest;
import dev.concord.proto.guild.v1.RelayBatch;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.proto.guild.v1.User;
import dev.concord.ring.RingMember;
import dev.concord.ring.RingSnapshot;
import dev.concord.session.core.GuildPort;
import dev.concord.session.core.Session;
import dev.concord.session.core.SessionManager;
import dev.concord.streams.PeerBatchers;
import dev.concord.streams.Unary;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session pod's side of the guild pods: routes every call by the guild ring, and holds one
 * relay stream per guild pod (opened before the first join on that pod).
 *
 * <p>A join waits until the owner's relay stream is attached (the guild pod's first, empty batch)
 * so that no event after the join's snapshot can miss this pod. When a relay stream breaks, or the
 * ring gives a guild to another pod, the sessions with guilds joined on that pod re-join them
 * (see {@link SessionManager#rejoinMoved}) and catch up on missed messages; the stream is reopened
 * with jittered, capped backoff.
 *
 * <p>Concurrency: relay streams live in a concurrent map; their callbacks run on gRPC threads and
 * only hand events to the {@link SessionManager}'s workers.
 */
public final class GuildLinks implements GuildPort {
  private static final Logger log = LoggerFactory.getLogger(GuildLinks.class);

  private final String podId;
  private final RingWatcher ring;
  private final Channels channels;
  private final ScheduledExecutorService scheduler;
  private final Duration joinTimeout;
  private final Duration attachTimeout;
  private final ConcurrentHashMap<String, Relay> relays = new ConcurrentHashMap<>();
  private final JoinClient joins;
  /**
   * IDENTIFY's user lookups, coalesced per guild pod into GetUsers calls (a connect storm made one
   * GetUser call per IDENTIFY; the per-call gRPC cost was most of the session pod's connect CPU).
   */
  private final PeerBatchers<Long, User> users;
  private volatile SessionManager manager;
  private volatile boolean closed;

  public GuildLinks(
      String podId,
      RingWatcher ring,
      Channels channels,
      ScheduledExecutorService scheduler,
      Duration joinTimeout,
      Duration attachTimeout,
      JoinClient joins) {
    this.podId = podId;
    this.ring = ring;
    this.channels = channels;
    this.scheduler = scheduler;
    this.joinTimeout = joinTimeout;
    this.attachTimeout = attachTimeout;
    this.joins = joins;
    this.users =
        new PeerBatchers<>(
            (address, ids) ->
                Unary.<GetUsersResponse>call(
                        out ->
                            GuildApiGrpc.newStub(channels.forAddress(address))
                                .withDeadlineAfter(joinTimeout.toMillis(), TimeUnit.MILLISECONDS)
                                .getUsers(GetUsersRequest.newBuilder().addAllUserIds(ids).build(), out))
                    .thenApply(GetUsersResponse::getUsersList),
            USER_CALLS_IN_FLIGHT,
            MAX_USERS_PER_CALL,
            Integer.MAX_VALUE, // ids only: the count bounds the bytes
            id -> 8,
            MAX_USERS_WAITING,
            64);
  }

  /** GetUsers calls at once per guild pod; what arrives meanwhile leaves in the next one. */
  static final int USER_CALLS_IN_FLIGHT = 2;
  /** Ids per GetUsers (the guild pod accepts 1000). */
  static final int MAX_USERS_PER_CALL = 500;
  /** User lookups waiting per guild pod before IDENTIFY fails fast. */
  static final int MAX_USERS_WAITING = 20_000;

  public void bind(SessionManager manager) {
    this.manager = manager;
  }

  public int openRelays() {
    return (int) relays.values().stream().filter(r -> r.attached.isDone() && !r.attached.isCompletedExceptionally()).count();
  }

  @Override
  public CompletableFuture<User> user(long userId) {
    return owner(userId)
        .thenCompose(m -> users.submit(m.address(), userId))
        .thenApply(
            u -> {
              if (u.getId() == 0) {
                throw Status.NOT_FOUND.withDescription("unknown user: " + Long.toUnsignedString(userId)).asRuntimeException();
              }
              return u;
            });
  }

  /** GetUsers calls made and users asked for (their ratio: the mean batch). */
  public long[] userLookups() {
    return new long[] {users.calls(), users.requests()};
  }

  /** Attempts per join when the called pod answers that another pod owns the guild. */
  static final int MAX_WRONG_OWNER_RETRIES = 3;

  @Override
  public CompletableFuture<Joined> join(long guildId, Session session, long sinceMessageId) {
    return joinAttempt(guildId, session, sinceMessageId, 0);
  }

  public JoinClient joins() {
    return joins;
  }

  /**
   * One join; on WrongOwner, waits (bounded) until this pod's ring reaches the version the callee
   * answered with, then retries on the owner of that ring.
   */
  private CompletableFuture<Joined> joinAttempt(long guildId, Session session, long since, int attempt) {
    return joinOnce(guildId, session, since)
        .handle(
            (resp, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(resp);
              }
              var wrong = WrongOwnerStatus.from(error);
              if (wrong.isEmpty() || attempt + 1 >= MAX_WRONG_OWNER_RETRIES) {
                return CompletableFuture.<Joined>failedFuture(error);
              }
              return awaitRing(wrong.get().getRingVersion(), Duration.ofSeconds(2))
                  .thenCompose(x -> joinAttempt(guildId, session, since, attempt + 1));
            })
        .thenCompose(f -> f);
  }

  /** Completes once the local ring is at least {@code version} (or after {@code max}: try anyway). */
  private CompletableFuture<Void> awaitRing(long version, Duration max) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    long deadline = System.nanoTime() + max.toNanos();
    Runnable[] check = new Runnable[1];
    check[0] =
        () -> {
          if (ring.ring().current().version() >= version || System.nanoTime() > deadline) {
            done.complete(null);
          } else {
            scheduler.schedule(check[0], 20, TimeUnit.MILLISECONDS);
          }
        };
    check[0].run();
    return done;
  }

  private CompletableFuture<Joined> joinOnce(long guildId, Session session, long since) {
    return owner(guildId)
        .thenCompose(m -> { Relay r = relay(m); return r.attached.thenApply(x -> r); })
        .thenCompose(
            r ->
                joins
                    .join(
                        r.member.id(),
                        channels.forAddress(r.member.address()),
                        JoinRequest.newBuilder()
                            .setGuildId(guildId)
                            .setSessionId(session.id())
                            .setSessionKey(session.key())
                            .setUserId(session.userId())
                            .setSessionPodId(podId)
                            .setIntents(session.intents())
                            .setLargeThreshold(session.largeThreshold())
                            .setSinceMessageId(since)
                            .build())
                    .thenApply(resp -> new Joined(resp, r.member.id(), r.generation)));
  }

  @Override
  public boolean relayIntact(Joined joined) {
    Relay r = relays.get(joined.podId());
    return r != null && r.generation == joined.relayGeneration() && !r.broken && r.attached.isDone() && !r.attached.isCompletedExceptionally();
  }

  private final java.util.concurrent.atomic.AtomicLong relayGenerations = new java.util.concurrent.atomic.AtomicLong();

  /**
   * Watches the guild ring: when it changes, sessions whose guilds now belong to another pod
   * re-join them there (a pod left, died or joined). Checked every {@code period}.
   */
  public void watchRing(Duration period) {
    scheduler.scheduleWithFixedDelay(
        () -> {
          RingSnapshot r = ring.ring().current();
          if (closed || r.isEmpty() || r.version() == seenRingVersion) {
            return;
          }
          seenRingVersion = r.version();
          SessionManager m = manager;
          if (m != null) {
            m.rejoinMoved(pod -> false, g -> ownerId(g));
          }
        },
        period.toMillis(),
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private volatile long seenRingVersion = -1;

  /** The guild's owner by the current ring ("" if none is known). */
  private String ownerId(long guildId) {
    RingSnapshot r = ring.ring().current();
    return r.isEmpty() ? "" : r.owner(guildId).id();
  }

  @Override
  public void leave(long guildId, String sessionId) {
    RingSnapshot r = ring.ring().current();
    if (r.isEmpty()) {
      return;
    }
    io.grpc.Context.ROOT.run(() -> GuildRegistryGrpc.newStub(channels.forAddress(r.owner(guildId).address()))
        .withDeadlineAfter(joinTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .leave(
            LeaveRequest.newBuilder().setGuildId(guildId).setSessionId(sessionId).build(),
            new StreamObserver<LeaveResponse>() {
              @Override
              public void onNext(LeaveResponse value) {}

              @Override
              public void onError(Throwable t) {
                log.debug("leave of guild {} failed: {}", guildId, Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {}
            }));
  }

  @Override
  public CompletableFuture<java.util.List<com.google.protobuf.ByteString>> requestMembers(
      dev.concord.proto.guild.v1.RequestMembersRequest request) {
    return owner(request.getGuildId())
        .thenCompose(
            m ->
                Unary.<dev.concord.proto.guild.v1.RequestMembersResponse>call(
                    o ->
                        GuildRegistryGrpc.newStub(channels.forAddress(m.address()))
                            .withDeadlineAfter(joinTimeout.toMillis(), TimeUnit.MILLISECONDS)
                            .requestMembers(request, o)))
        .thenApply(dev.concord.proto.guild.v1.RequestMembersResponse::getChunksList);
  }

  @Override
  public CompletableFuture<Void> subscribeMemberList(long guildId, String sessionId, int[] ranges) {
    dev.concord.proto.guild.v1.SubscribeMemberListRequest.Builder b =
        dev.concord.proto.guild.v1.SubscribeMemberListRequest.newBuilder().setGuildId(guildId).setSessionId(sessionId);
    for (int i = 0; i < ranges.length; i += 2) {
      b.addRanges(dev.concord.proto.guild.v1.MemberListRange.newBuilder().setStart(ranges[i]).setEnd(ranges[i + 1]));
    }
    dev.concord.proto.guild.v1.SubscribeMemberListRequest request = b.build();
    return owner(guildId)
        .thenCompose(
            m ->
                Unary.<dev.concord.proto.guild.v1.SubscribeMemberListResponse>call(
                    o ->
                        GuildRegistryGrpc.newStub(channels.forAddress(m.address()))
                            .withDeadlineAfter(joinTimeout.toMillis(), TimeUnit.MILLISECONDS)
                            .subscribeMemberList(request, o)))
        .thenApply(r -> null);
  }

  private CompletableFuture<RingMember> owner(long key) {
    RingSnapshot r = ring.ring().current();
    if (r.isEmpty()) {
      return CompletableFuture.failedFuture(
          Status.UNAVAILABLE.withDescription("no guild pods known (ring v" + r.version() + ")").asRuntimeException());
    }
    return CompletableFuture.completedFuture(r.owner(key));
  }

  private Relay relay(RingMember member) {
    return relays.compute(
        member.id(),
        (id, existing) -> {
          if (existing != null && !existing.broken) {
            return existing;
          }
          Relay r = new Relay(member);
          r.open();
          return r;
        });
  }


  public void close() {
    closed = true;
    relays.values().forEach(Relay::cancel);
  }

  /** One relay stream from a guild pod. */
  private final class Relay implements ClientResponseObserver<OpenRelayRequest, RelayBatch> {
    final RingMember member;
    /** Unique per stream opened by this pod: a join names the stream it was made through. */
    final long generation = relayGenerations.incrementAndGet();
    final CompletableFuture<Void> attached = new CompletableFuture<>();
    volatile boolean broken;
    volatile ClientCallStreamObserver<OpenRelayRequest> call;

    Relay(RingMember member) {
      this.member = member;
    }

    void open() {
      // The relay stream lives as long as this pod: detach it from any gRPC call we run in.
      io.grpc.Context.ROOT.run(
          () ->
              GuildRelayGrpc.newStub(channels.forAddress(member.address()))
                  .openRelay(OpenRelayRequest.newBuilder().setSessionPodId(podId).build(), this));
      scheduler.schedule(
          () -> {
            if (attached.completeExceptionally(
                Status.UNAVAILABLE
                    .withDescription("relay stream of " + member.id() + " not attached within " + attachTimeout)
                    .asRuntimeException())) {
              cancel();
            }
          },
          attachTimeout.toMillis(),
          TimeUnit.MILLISECONDS);
    }

    void cancel() {
      ClientCallStreamObserver<OpenRelayRequest> c = call;
      if (c != null) {
        c.cancel("closed", null);
      }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<OpenRelayRequest> stream) {
      call = stream;
    }

    @Override
    public void onNext(RelayBatch batch) {
      if (!attached.isDone()) {
        log.info("relay stream from {} attached", member.id());
        attached.complete(null);
      }
      SessionManager m = manager;
      for (RelayEvent e : batch.getEventsList()) {
        m.onRelayEvent(e);
      }
    }

    @Override
    public void onError(Throwable t) {
      broken(Status.fromThrowable(t).toString());
    }

    @Override
    public void onCompleted() {
      broken("completed by guild pod");
    }

    private void broken(String why) {
      broken = true;
      boolean wasAttached = attached.isDone() && !attached.isCompletedExceptionally();
      attached.completeExceptionally(Status.UNAVAILABLE.withDescription(why).asRuntimeException());
      relays.remove(member.id(), this);
      if (closed) {
        return;
      }
      if (!wasAttached) {
        // never attached: no session joined through it; joins waiting on it fail and retry
        log.debug("relay stream from {} could not attach ({})", member.id(), why);
        return;
      }
      log.warn("relay stream from {} broke ({}); its sessions re-join its guilds", member.id(), why);
      SessionManager m = manager;
      if (m != null) {
        // Events of those guilds may be lost: re-join (on the ring's owner once the ring drops
        // the pod) and catch up on the missed messages; the sessions stay connected.
        String gone = member.id();
        m.rejoinMoved(gone::equals, GuildLinks.this::ownerId);
      }
      // Reopen eagerly so the next joins find it attached, but only while the ring still has the
      // pod (a dead pod leaves it; joins open streams to the new owners themselves).
      long delay = ThreadLocalRandom.current().nextLong(100, 1000);
      scheduler.schedule(
          () -> {
            RingSnapshot r = ring.ring().current();
            boolean member = r.members().stream().anyMatch(x -> x.id().equals(this.member.id()));
            if (!closed && member) {
              relay(this.member);
            }
          },
          delay,
          TimeUnit.MILLISECONDS);
    }
  }

}
