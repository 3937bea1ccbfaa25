package dev.concord.session.core;

import com.google.protobuf.ByteString;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.proto.guild.v1.User;
import dev.concord.proto.session.v1.Identify;
import dev.concord.protocol.CloseCode;
import dev.concord.protocol.DispatchFrame;
import dev.concord.fanout.RecipientTable;
import dev.concord.fanout.RelayWorkers;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;

/**
 * Sessions and everything that happens to them: identify → READY → one GUILD_CREATE per joined
 * guild → dispatches; presence updates; the end of a session.
 *
 * <p>Relay fanout: {@link #onRelayEvent} hands each event to {@link RelayDelivery} (one task per
 * worker, filters per recipient, one shared dispatch per gateway link); joining and re-joining
 * guilds is {@link GuildJoins}; gateway op 8 goes to {@link MemberRequests}.
 *
 * <p>Ordering: a guild's events arrive on one relay stream in the guild's order and a session's
 * tasks run in order on its worker, so each session sees each guild's events in the guild's order.
 * Events that arrive while the session's join of that guild is in flight are held (bounded) and
 * released after its GUILD_CREATE, skipping those already covered by the snapshot.
 *
 * <p>Concurrency: the session map is concurrent; each {@link Session}'s state is confined to its
 * worker.
 */
public final class SessionManager {
  private static final Logger log = LoggerFactory.getLogger(SessionManager.class);
  private static final ByteString SUFFIX = ByteString.copyFromUtf8("}");

  /** Events held per guild while a join is in flight, before the session is desynced. */
  private final int maxHeldPerGuild;
  private final String podId;
  private final RelayWorkers workers;
  private final RelayDelivery relay;
  private final PassiveSessions passive;
  private final GuildRosters rosters;
  private final GuildJoins joins;
  private final GuildPort guilds;
  private final PresencePort presence;
  private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
  /** The same sessions by key (what relay events carry): allocation-free lookups. */
  private final RecipientTable<Session> byKey = new RecipientTable<>();
  private final SecureRandom random = new SecureRandom();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder desyncs = new LongAdder();
  private final LongAdder detached = new LongAdder();
  private final LongAdder resumed = new LongAdder();
  private final LongAdder expired = new LongAdder();

  /** How long a detached session stays resumable, and how much it keeps for a resume. */
  public record ResumePolicy(java.time.Duration window, int replayMaxEvents, long replayMaxBytes) {
    public static final ResumePolicy DEFAULT = new ResumePolicy(java.time.Duration.ofMinutes(2), 1000, 1 << 20);
  }

  private final ResumePolicy resume;
  private final java.util.concurrent.ScheduledExecutorService scheduler;

  public SessionManager(
      String podId, RelayWorkers workers, GuildPort guilds, PresencePort presence, int maxHeldPerGuild) {
    this(
        podId,
        workers,
        guilds,
        presence,
        maxHeldPerGuild,
        ResumePolicy.DEFAULT,
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("session-expiry").daemon().factory()));
  }

  public SessionManager(
      String podId,
      RelayWorkers workers,
      GuildPort guilds,
      PresencePort presence,
      int maxHeldPerGuild,
      ResumePolicy resume,
      java.util.concurrent.ScheduledExecutorService scheduler) {
    this(podId, workers, guilds, presence, maxHeldPerGuild, resume, PassiveSessions.Policy.DEFAULT, scheduler);
  }

  public SessionManager(
      String podId,
      RelayWorkers workers,
      GuildPort guilds,
      PresencePort presence,
      int maxHeldPerGuild,
      ResumePolicy resume,
      PassiveSessions.Policy passivePolicy,
      java.util.concurrent.ScheduledExecutorService scheduler) {
    this.resume = resume;
    this.scheduler = scheduler;
    this.podId = podId;
    this.workers = workers;
    this.guilds = guilds;
    this.presence = presence;
    this.maxHeldPerGuild = maxHeldPerGuild;
    this.rosters = new GuildRosters(workers, passivePolicy.keptEvents(), passivePolicy.keptBytesPerGuild(), passivePolicy.keptBytesTotal());
    this.passive = new PassiveSessions(this, workers, scheduler, passivePolicy, rosters);
    this.relay = new RelayDelivery(this, workers, byKey, maxHeldPerGuild, delivered, passive, rosters);
    passive.relay(relay);
    this.joins = new GuildJoins(this, guilds, relay, rosters, scheduler);
  }

  /** Spans for sampled relay events (see {@link RelayTrace}); call before relay streams open. */
  public SessionManager withTracing(dev.concord.tracing.Tracing tracing) {
    relay.tracing(tracing);
    return this;
  }

  /** Takes the duration of each worker's pass over one relay event's recipients (a histogram). */
  public SessionManager withRelayPassTimer(java.util.function.LongConsumer timer) {
    relay.passTimer(timer);
    return this;
  }

  public String podId() {
    return podId;
  }

  public int sessionCount() {
    return sessions.size();
  }

  /** Sessions without a socket now, resumable until their window ends (introspection; approximate). */
  public int detachedNow() {
    int n = 0;
    for (Session s : sessions.values()) {
      if (s.connection == null) {
        n++;
      }
    }
    return n;
  }

  /** Payload bytes held by all replay buffers of this pod (introspection; approximate). */
  public long replayBytes() {
    long n = 0;
    for (Session s : sessions.values()) {
      n += s.replay.bytes();
    }
    return n;
  }

  public long deliveredFrames() {
    return delivered.sum();
  }

  public long desyncs() {
    return desyncs.sum();
  }

  public long detachedSessions() {
    return detached.sum();
  }

  public long resumedSessions() {
    return resumed.sum();
  }

  public long expiredSessions() {
    return expired.sum();
  }

  /** Deliveries passive sessions skipped (see {@link PassiveSessions}). */
  public long passiveSkipped() {
    return passive.skippedDeliveries();
  }

  /** PASSIVE_UPDATE_V1 dispatches sent (unread markers). */
  public long passiveUpdates() {
    return passive.unreadUpdates();
  }

  /** Switches to active served from the pod's log, and those that fell back to a re-join. */
  public long passiveSyncs() {
    return passive.syncs();
  }

  public long passiveSyncFallbacks() {
    return passive.syncFallbacks();
  }

  /** Bytes the workers' rosters keep of recent events, for joins and passive sessions (introspection). */
  public long rosterKeptBytes() {
    return passive.keptBytes();
  }

  /** Guild subscriptions re-joined because their guild moved. */
  public long rejoins() {
    return joins.rejoins();
  }

  /** Missed messages dispatched from re-joins' catch-up. */
  public long caughtUpMessages() {
    return joins.caughtUpMessages();
  }

  private final SessionAdmission admission = new SessionAdmission();

  /** Who may start a session here: sessions per user, bots' identify buckets (configure before serving). */
  public SessionAdmission admission() {
    return admission;
  }

  /**
   * A client identified (token already verified by the gateway). Returns the new session, or null
   * when the user already holds {@link SessionAdmission#maxSessionsPerUser its maximum} of sessions: the
   * socket is closed with 4008 (rate limited; the client may retry once one of its sessions ends).
   */
  public @org.jspecify.annotations.Nullable Session identify(Identify req, Connection connection) {
    if (!admission.tryAdd(req.getUserId())) {
      int max = admission.maxSessionsPerUser();
      log.info("identify of user {} refused: it holds {} sessions already", Long.toUnsignedString(req.getUserId()), max);
      connection.close(CloseCode.RATE_LIMITED.code(), "too many sessions for this user (at most " + max + "); end one first");
      return null;
    }
    String sessionId = SessionIds.newId(random, podId);
    String platform =
        switch (req.getDevice().isEmpty() ? req.getBrowser() : req.getDevice()) {
          case "mobile", "Discord Android", "Discord iOS" -> "mobile";
          default -> req.getBrowser().toLowerCase(java.util.Locale.ROOT).contains("web") ? "web" : "desktop";
        };
    long capabilities = req.getCapabilities();
    Session s =
        new Session(
            sessionId,
            req.getUserId(),
            req.getIntents(),
            req.getLargeThreshold() == 0 ? 50 : req.getLargeThreshold(),
            req.getShardId(),
            req.getShardCount(),
            platform,
            connection,
            new ReplayBuffer(resume.replayMaxEvents(), resume.replayMaxBytes()));
    s.key = byKey.add(s);
    SessionPresence.fromIdentify(s, req.getPresenceJson());
    sessions.put(sessionId, s);
    String resumeUrl = req.getResumeGatewayUrl();
    guilds
        .user(req.getUserId())
        .whenComplete(
            (user, error) ->
                onWorker(
                    s,
                    () -> {
                      if (s.ended) {
                        return;
                      }
                      if (error != null) {
                        log.info("identify of user {} failed: {}", Long.toUnsignedString(s.userId), error.toString());
                        connection.close(CloseCode.AUTHENTICATION_FAILED.code(), "unknown user");
                        end(s, false);
                        return;
                      }
                      if (user.getBot() && !admission.tryStartBot(s.userId, s.shardId)) {
                        end(s, false); // first: its place is free when the client hears it may identify again
                        connection.send(SessionIds.invalidSession(false)); // too soon for its bucket
                        return;
                      }
                      s.passiveCapable = passive.capable(capabilities, user.getBot());
                      ready(s, user, resumeUrl);
                    }));
    return s;
  }

  private void ready(Session s, User user, String resumeUrl) {
    List<Long> mine = new ArrayList<>();
    for (long g : user.getGuildIdsList()) {
      if (s.inShard(g)) {
        mine.add(g);
      }
    }
    ByteString readyPayload = ReadyPayload.of(s, user, mine, resumeUrl, podId);
    // READY is sent but not kept for a resume (one never asks for it: it carries the session id)
    long readySeq = ++s.seq;
    s.replay.skip(readySeq);
    send(s, readySeq, "READY", readyPayload);
    for (long g : mine) {
      subscribe(s, g);
    }
    presence.update(s.userId, s.id, s.status, s.platform, s.activitiesJson, mine);
  }

  /** On the worker: {@code s} joins {@code guildId}, passive if it takes passive guilds. */
  private void subscribe(Session s, long guildId) {
    Session.GuildSub sub = new Session.GuildSub(guildId);
    s.guilds.put(sub);
    if (s.passiveCapable) {
      passive.passivate(s, sub);
    }
    joins.join(s, guildId);
  }

  /** The client's op 14: it looks at a guild now (see {@link PassiveSessions}). */
  public void subscribeGuild(Session s, byte[] json) {
    onWorker(
        s,
        () -> {
          if (!s.ended) {
            passive.subscribe(s, json);
          }
        });
  }

  /**
   * A user joined a guild (see SessionAdmin.GuildJoined): each of the user's live sessions on this pod whose shard
   * holds it joins it too, and gets its GUILD_CREATE from that join, as at IDENTIFY. All of a
   * user's sessions live on the session pod that owns the user. O(sessions on this pod); joins by
   * invite are rare next to everything else.
   */
  public int guildJoined(long userId, long guildId) {
    int n = 0;
    for (Session s : sessions.values()) {
      if (s.userId == userId && s.inShard(guildId)) {
        n++;
        onWorker(
            s,
            () -> {
              if (!s.ended && !s.guilds.containsKey(guildId)) {
                subscribe(s, guildId);
                presence.joined(s.userId, s.id, s.status, s.platform, s.activitiesJson, s.guilds.ids(), guildId);
              }
            });
      }
    }
    return n;
  }

  /**
   * Sessions whose guilds were joined on a pod {@code isGone} names (its relay stream broke), or
   * whose ring owner is no longer the pod that answered their join ({@code ownerNow} gives the
   * current owner): they re-join those guilds. Any thread.
   */
  public void rejoinMoved(java.util.function.Predicate<String> isGone, java.util.function.LongFunction<String> ownerNow) {
    for (Session s : sessions.values()) {
      onWorker(s, () -> joins.rejoinMoved(s, isGone, ownerNow));
    }
  }

  /** The guild moved: re-join it (see {@link GuildJoins#rejoin}). On the session's worker. */
  void rejoin(Session s, Session.GuildSub sub, int attempt) {
    joins.rejoin(s, sub, attempt);
  }

  /** One relay event for many sessions of this pod: one task per worker, not per recipient. */
  public void onRelayEvent(RelayEvent event) {
    relay.onRelayEvent(event);
  }

  /** Stamps the next seq, keeps the dispatch for a resume and sends it if attached. */
  void dispatch(Session s, String type, ByteString payload) {
    long seq = ++s.seq;
    s.replay.add(seq, type, payload);
    send(s, seq, type, payload);
  }

  private void send(Session s, long seq, String type, ByteString payload) {
    Connection c = s.connection;
    if (c == null) {
      return;
    }
    ByteString frame = ByteString.copyFrom(DispatchFrame.prefix(seq, type)).concat(payload).concat(SUFFIX);
    if (!c.send(frame)) {
      detach(s, c);
      return;
    }
    delivered.increment();
  }

  /**
   * A session missed an event it can never get back (its worker queue, hold queue or relay stream
   * overflowed): it cannot be resumed. Closes its socket; the worker ends it. Any thread.
   */
  void desync(Session s) {
    if (!s.desynced) {
      s.desynced = true;
      desyncs.increment();
      Connection c = s.connection;
      if (c != null) {
        c.close(CloseCode.UNKNOWN_ERROR.code(), "session fell behind; reconnect");
      }
    }
  }

  /**
   * The session loses its connection but stays resumable for the resume window: dispatches keep
   * being stamped and kept in its replay buffer. On the worker.
   */
  void detach(Session s, @org.jspecify.annotations.Nullable Connection c) {
    if (s.ended || c == null || s.connection != c) {
      return;
    }
    s.connection = null;
    c.close(CloseCode.UNKNOWN_ERROR.code(), "connection lost; resume");
    detached.increment();
    s.expiry =
        scheduler.schedule(
            () ->
                onWorker(
                    s,
                    () -> {
                      if (s.connection == null && !s.ended) {
                        expired.increment();
                        end(s, true);
                      }
                    }),
            resume.window().toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * RESUME: the client reconnected (to any gateway) with its session id and last seq. Replays
   * every dispatch after that seq, in order, then RESUMED, then live events; or INVALID_SESSION
   * (false) when the session is unknown, belongs to another user, or its buffer no longer covers
   * the seq; or closes 4007 for a seq the session never sent. Returns the session if it exists.
   */
  public @org.jspecify.annotations.Nullable Session resume(dev.concord.proto.session.v1.Resume req, Connection conn) {
    Session s = sessions.get(req.getSessionId());
    if (s == null || s.userId != req.getUserId()) {
      conn.send(SessionIds.invalidSession(false));
      return null;
    }
    onWorker(
        s,
        () -> {
          if (s.ended || s.desynced) {
            conn.send(SessionIds.invalidSession(false));
            return;
          }
          if (req.getSeq() > s.seq) {
            conn.close(CloseCode.INVALID_SEQ.code(), "invalid seq");
            return;
          }
          if (!s.replay.covers(req.getSeq())) {
            conn.send(SessionIds.invalidSession(false));
            end(s, true);
            return;
          }
          Connection old = s.connection;
          if (old != null && old != conn) {
            old.close(CloseCode.UNKNOWN_ERROR.code(), "session resumed elsewhere");
          }
          s.connection = conn;
          if (s.expiry != null) {
            s.expiry.cancel(false);
            s.expiry = null;
          }
          resumed.increment();
          // everything missed, in order (a TYPING_START older than 10 s is no longer news)
          for (ReplayBuffer.Entry e : s.replay.after(req.getSeq(), System.currentTimeMillis())) {
            send(s, e.seq(), e.type(), e.payload());
          }
          dispatch(s, "RESUMED", ByteString.copyFromUtf8("{\"_trace\":[\"concord-session-" + podId + "\"]}"));
        });
    return s;
  }

  static void closeIfAttached(Session s, int code, String reason) {
    Connection c = s.connection;
    if (c != null) {
      c.close(code, reason);
    }
  }

  private final MemberRequests memberRequests = new MemberRequests(this);

  /** The client's op 8 (REQUEST_GUILD_MEMBERS): see {@link MemberRequests}. */
  public void requestMembers(Session s, byte[] json) {
    memberRequests.handle(s, json);
  }

  GuildPort guildPort() {
    return guilds;
  }

  /** The client's op 3. */
  public void presenceUpdate(Session s, byte[] json) {
    onWorker(
        s,
        () -> {
          if (s.ended) {
            return;
          }
          try {
            if (!SessionPresence.fromUpdate(s, json)) {
              closeIfAttached(s, CloseCode.DECODE_ERROR.code(), "invalid status");
              return;
            }
            presence.update(s.userId, s.id, s.status, s.platform, s.activitiesJson, s.guilds.ids());
          } catch (JacksonException e) {
            closeIfAttached(s, CloseCode.DECODE_ERROR.code(), "invalid presence update");
          }
        });
  }

  /**
   * The client's heartbeat acknowledged every dispatch up to {@code seq}: a resume never asks for
   * them again, so the replay buffer lets them go (an idle session keeps nothing). Best effort: a
   * worker too full to take it drops it (the next heartbeat carries a newer seq) rather than
   * desyncing the session as a lost event would.
   */
  public void acked(Session s, long seq) {
    workers.execute(
        workers.workerOf(s.key),
        () -> {
          if (!s.ended && seq <= s.seq) {
            s.replay.dropThrough(seq);
          }
        });
  }

  /**
   * The client's socket (or its gateway link) is gone. A close with 1000/1001 from the client ends
   * the session; anything else keeps it resumable for the resume window. Ignored if the session
   * has moved to another connection meanwhile.
   */
  public void disconnected(Session s, Connection c, int closeCode) {
    onWorker(
        s,
        () -> {
          if (s.connection != c) {
            return;
          }
          if (closeCode == 1000 || closeCode == 1001) {
            end(s, true);
          } else {
            detach(s, c);
          }
        });
  }

  void end(Session s, boolean announce) {
    if (s.ended) {
      return;
    }
    s.ended = true;
    admission.remove(s.userId);
    if (s.expiry != null) {
      s.expiry.cancel(false);
    }
    sessions.remove(s.id, s);
    byKey.remove(s.key);
    List<Long> gs = s.guilds.ids();
    for (long g : gs) {
      guilds.leave(g, s.id);
    }
    for (Session.GuildSub sub : s.guilds.values()) {
      rosters.leave(s, sub);
    }
    if (announce) {
      presence.end(s.userId, s.id, gs);
    }
  }

  /**
   * Worker {@code worker} refused a guild-wide event (its queue is full): its sessions of that
   * guild missed it and cannot be resumed. Which of them are in the guild only the worker knows,
   * so every session of the worker resyncs. Relay thread.
   */
  void desyncWorker(int worker) {
    log.warn("session worker {} is full: its sessions missed an event and reconnect", worker);
    for (Session s : sessions.values()) {
      if (workers.workerOf(s.key) == worker) {
        desync(s);
      }
    }
  }

  void onWorker(Session s, Runnable task) {
    // The same worker the relay partitioner picks for this session: all of its work is ordered.
    if (!workers.execute(workers.workerOf(s.key), task)) {
      desync(s);
    }
  }
}
