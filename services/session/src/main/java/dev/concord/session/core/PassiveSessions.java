package dev.concord.session.core;

import com.google.protobuf.ByteString;
import dev.concord.fanout.RelayWorkers;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.protocol.CloseCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Passive sessions (Discord's answer for big guilds): a user client that says it can take them
 * (IDENTIFY {@code capabilities} bit {@link #CAPABILITY}) is passive in every guild it is not
 * looking at. Bots never are: they get everything their intents ask for.
 *
 * <p>A passive session gets only what keeps its view of the guild correct: guild, channel and
 * role changes, its own member changes, the messages it wrote or that mention it, and, instead of
 * every other message, its unread markers: when a channel turns unread for it, the next
 * PASSIVE_UPDATE_V1 (one per interval and guild) carries the channel's {@code last_message_id}.
 * Later messages in a channel already unread send nothing: the client shows nothing new until it
 * looks, and then gets the messages themselves. Typing, presences, edits, deletes, reactions and
 * other members' changes are skipped. This is decided here, on the session workers, from what the
 * relay event carries (type, channel, author and mentions of its content gate); the guild loop
 * never looks at members per event.
 *
 * <p>Guild-wide events reach a worker once ({@code all_subscribers}) and the worker hands them
 * only to its roster's active sessions ({@link GuildRosters}); a passive session costs nothing per
 * message unless it wrote it or is mentioned (found by user), and its unread markers are worked out
 * once per interval from what the roster saw.
 *
 * <p>Gateway op 14 ({@code {"guild_id": "..."}}) makes the session active in that guild: it is
 * first sent, in order, everything it skipped since it became passive (from its worker's roster,
 * which keeps the guild's recent events while it has passive sessions), then live events. When the log no longer covers that, the guild is joined
 * again with a catch-up from the store instead (GUILD_DELETE unavailable, GUILD_CREATE, missed
 * messages), as after a failover. A session is active in at most {@code maxActiveGuilds} guilds:
 * subscribing to one more makes the least recently subscribed passive again.
 *
 * <p>Concurrency: everything but the counters and the flush schedule runs on the session's worker.
 */
public final class PassiveSessions {
  /** IDENTIFY capabilities bit PASSIVE_GUILD_UPDATE (as Discord's user clients send it). */
  static final long CAPABILITY = 1L << 11;

  /** The knobs; {@link #DEFAULT} when the service does not say otherwise. */
  public record Policy(
      boolean enabled, int maxActiveGuilds, Duration unreadInterval, int keptEvents, long keptBytesPerGuild, long keptBytesTotal) {
    public static final Policy DEFAULT = new Policy(true, 10, Duration.ofSeconds(1), 4096, 4L << 20, 256L << 20);
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PassiveSessions.class);

  private final SessionManager manager;
  private final RelayWorkers workers;
  private final ScheduledExecutorService scheduler;
  private final Policy policy;
  private final GuildRosters rosters;
  /** Set once, right after construction (it needs this object too). */
  private RelayDelivery relay;
  /** Per worker, the rosters with new messages since its last unread flush; each worker's own list. */
  private final List<List<GuildRosters.Roster>> pendingByWorker = new ArrayList<>();
  private final AtomicBoolean flushing = new AtomicBoolean();
  private final LongAdder skipped = new LongAdder();
  private final LongAdder unreadUpdates = new LongAdder();
  private final LongAdder synced = new LongAdder();
  private final LongAdder syncFallbacks = new LongAdder();

  PassiveSessions(SessionManager manager, RelayWorkers workers, ScheduledExecutorService scheduler, Policy policy, GuildRosters rosters) {
    this.manager = manager;
    this.workers = workers;
    this.scheduler = scheduler;
    this.policy = policy;
    this.rosters = rosters;
    for (int i = 0; i < workers.count(); i++) {
      pendingByWorker.add(new ArrayList<>());
    }
  }

  Policy policy() {
    return policy;
  }

  void relay(RelayDelivery relay) {
    this.relay = relay;
  }

  /** Whether {@code s} may be passive at all: a user client that asked, when the pod allows it. */
  boolean capable(long capabilities, boolean bot) {
    return policy.enabled() && !bot && (capabilities & CAPABILITY) != 0;
  }

  /** On the worker: {@code sub} of {@code s} becomes (or, before its join, starts) passive. */
  void passivate(Session s, Session.@Nullable GuildSub sub) {
    if (sub == null || sub.passive) {
      return;
    }
    rosters.setPassive(s, sub, true);
    sub.reportedCount = 0;
    sub.syncFromMessageId = sub.lastMessageId;
    // not joined yet: its join's snapshot is where it starts skipping (see GuildJoins)
    sub.passiveFromSeq = sub.joined ? rosters.lastSeq(s, sub.guildId) : -1;
    sub.syncGap = false;
  }

  /** Whether a passive session may take an event of {@code type} live (else it never does). */
  static boolean mayTakeLive(String type) {
    return switch (type) {
      case "MESSAGE_UPDATE",
          "MESSAGE_DELETE",
          "MESSAGE_DELETE_BULK",
          "MESSAGE_REACTION_ADD",
          "MESSAGE_REACTION_REMOVE",
          "MESSAGE_REACTION_REMOVE_ALL",
          "MESSAGE_REACTION_REMOVE_EMOJI",
          "TYPING_START",
          "PRESENCE_UPDATE",
          "GUILD_MEMBER_ADD" -> false;
      default -> true;
    };
  }

  /**
   * What one worker pass over one relay event knows about it, worked out at most once per pass:
   * the user a member event is about.
   */
  static final class Pass {
    private final RelayEvent event;
    private long subject = -1;

    Pass(RelayEvent event) {
      this.event = event;
    }

    long memberSubject() {
      if (subject < 0) {
        subject = userIdOf(event.getPayload());
      }
      return subject;
    }
  }

  /** Whether passive {@code s} gets {@code e} live (it already passed the intents and channel filters). */
  static boolean delivers(Session s, RelayEvent e, Pass pass) {
    return switch (e.getType()) {
      case "MESSAGE_CREATE" -> writtenByOrMentions(s.userId, e);
      case "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE" -> pass.memberSubject() == s.userId;
      default -> mayTakeLive(e.getType()); // guild, channel, role changes: what keeps the guild's picture right
    };
  }

  private static boolean writtenByOrMentions(long userId, RelayEvent e) {
    if (!e.hasContentGate()) {
      return false;
    }
    dev.concord.proto.guild.v1.ContentGate gate = e.getContentGate();
    if (gate.getAuthorId() == userId) {
      return true;
    }
    for (int i = 0; i < gate.getMentionedUserIdsCount(); i++) {
      if (gate.getMentionedUserIds(i) == userId) {
        return true;
      }
    }
    return false;
  }

  /** On the worker: {@code n} passive sessions skipped an event (counted only). */
  void skipped(int n) {
    skipped.add(n);
  }

  /**
   * On worker {@code w}: a message of the roster's guild that its passive sessions skipped; the
   * channel's unread marker moves, sent to them at the next flush.
   */
  void noteMessage(int w, GuildRosters.Roster r, RelayEvent e) {
    if (r.passive.isEmpty() || e.getChannelId() == 0 || e.getMessageId() == 0) {
      return;
    }
    r.noteMessage(e.getChannelId(), e.getMessageId());
    if (!r.flushQueued) {
      r.flushQueued = true;
      pendingByWorker.get(w).add(r);
      startFlushing();
    }
  }

  private void startFlushing() {
    if (flushing.compareAndSet(false, true)) {
      long every = policy.unreadInterval().toMillis();
      scheduler.scheduleAtFixedRate(
          () -> {
            for (int w = 0; w < pendingByWorker.size(); w++) {
              int worker = w;
              workers.execute(worker, () -> flush(worker)); // a full worker skips a round; the markers wait
            }
          },
          every,
          every,
          TimeUnit.MILLISECONDS);
    }
  }

  /** Passive sessions one flush task handles before it lets the worker's other tasks run. */
  static final int FLUSH_CHUNK = 2048;

  /**
   * On worker {@code w}: for each roster with new messages, one PASSIVE_UPDATE_V1 to each of its
   * passive sessions that has a channel newly unread (one it can view, not reported yet). A big
   * roster is done in chunks, each its own task, so live events are not held up behind it.
   */
  private void flush(int w) {
    List<GuildRosters.Roster> pending = pendingByWorker.get(w);
    for (GuildRosters.Roster r : pending) {
      r.flushQueued = false;
      List<Session> sessions = List.copyOf(r.passive);
      // at most 64 channels per marker (a bit mask each); a busier second sends more markers
      for (int off = 0; off < r.activityCount; off += 64) {
        long[] activity = java.util.Arrays.copyOfRange(r.activity, 2 * off, 2 * Math.min(r.activityCount, off + 64));
        flushChunk(w, r.guildId, activity, sessions, 0);
      }
      r.activityCount = 0;
    }
    pending.clear();
  }

  private void flushChunk(int w, long guildId, long[] activity, List<Session> sessions, int from) {
    int to = Math.min(sessions.size(), from + FLUSH_CHUNK);
    // sessions that see the same channels share one dispatch (the usual case: all of them), whose
    // payload crosses each gateway link once
    Map<Long, List<Session>> byChannels = new HashMap<>();
    for (int k = from; k < to; k++) {
      Session s = sessions.get(k);
      Session.GuildSub sub = s.sub(guildId);
      if (s.ended || sub == null || !sub.passive || !dev.concord.protocol.Intents.permits(s.intents, dev.concord.protocol.Intents.GUILD_MESSAGES)) {
        continue;
      }
      long newly = 0; // bit i: channel i of activity (at most 64) is newly unread for it
      for (int i = 0; i < activity.length / 2; i++) {
        long channel = activity[2 * i];
        if (java.util.Arrays.binarySearch(sub.hidden, channel) < 0 && !sub.reportedUnread(channel)) {
          sub.addReported(channel);
          newly |= 1L << i;
        }
      }
      if (newly != 0) {
        byChannels.computeIfAbsent(newly, m -> new ArrayList<>()).add(s);
      }
    }
    for (Map.Entry<Long, List<Session>> e : byChannels.entrySet()) {
      relay.dispatchShared(e.getValue(), "PASSIVE_UPDATE_V1", unreadPayload(guildId, activity, e.getKey()));
      unreadUpdates.add(e.getValue().size());
    }
    if (to < sessions.size()) {
      workers.execute(w, () -> flushChunk(w, guildId, activity, sessions, to)); // a full worker drops the rest: markers are hints
    }
  }

  private static ByteString unreadPayload(long guildId, long[] activity, long mask) {
    StringBuilder d = new StringBuilder(128).append("{\"guild_id\":\"").append(Long.toUnsignedString(guildId)).append("\",\"channels\":[");
    boolean first = true;
    for (int i = 0; i < activity.length / 2; i++) {
      if ((mask & (1L << i)) != 0) {
        d.append(first ? "" : ",")
            .append("{\"id\":\"")
            .append(Long.toUnsignedString(activity[2 * i]))
            .append("\",\"last_message_id\":\"")
            .append(Long.toUnsignedString(activity[2 * i + 1]))
            .append("\"}");
        first = false;
      }
    }
    return ByteString.copyFrom(d.append("],\"voice_states\":[],\"members\":[]}").toString(), StandardCharsets.UTF_8);
  }

  /**
   * Gateway op 14 from a client, on its session's worker: it looks at the guild (see {@link
   * #activate}) and, with {@code channels}, subscribes to ranges of its member list.
   */
  void subscribe(Session s, byte[] frame) {
    long guildId;
    int[] ranges;
    try {
      JsonNode d = JSON.readTree(frame).path("d");
      JsonNode id = d.path("guild_id");
      guildId = id.isString() ? Long.parseUnsignedLong(id.asString()) : id.isIntegralNumber() && id.canConvertToLong() ? id.asLong() : -1;
      ranges = d.has("channels") ? MemberListRanges.parse(d.get("channels")) : null;
    } catch (JacksonException | IllegalArgumentException e) {
      SessionManager.closeIfAttached(s, CloseCode.DECODE_ERROR.code(), "invalid guild subscription: " + e.getMessage());
      return;
    }
    if (guildId <= 0) {
      SessionManager.closeIfAttached(s, CloseCode.DECODE_ERROR.code(), "guild subscription needs d.guild_id");
      return;
    }
    activate(s, guildId);
    Session.GuildSub sub = s.sub(guildId);
    if (ranges != null && sub != null) {
      sub.memberListSubscribed = ranges.length > 0;
      int[] wanted = ranges;
      long g = guildId;
      manager.guildPort()
          .subscribeMemberList(guildId, s.id, wanted)
          .whenComplete(
              (ok, error) -> {
                if (error != null) {
                  log.debug("member list of guild {} for session {}: {}", Long.toUnsignedString(g), s.id, error.toString());
                }
              });
    }
  }

  /** On the worker: {@code s} looks at {@code guildId} now. Ignored for guilds it is not in. */
  void activate(Session s, long guildId) {
    Session.GuildSub sub = s.sub(guildId);
    if (sub == null || !s.passiveCapable) {
      return; // bots and clients without the capability are active everywhere already
    }
    java.util.ArrayDeque<Long> recent = s.activeGuilds;
    if (recent == null) {
      s.activeGuilds = recent = new java.util.ArrayDeque<>(4);
    }
    recent.remove(guildId);
    recent.addLast(guildId);
    while (recent.size() > policy.maxActiveGuilds()) {
      Session.GuildSub evicted = s.guilds.get(recent.removeFirst());
      passivate(s, evicted);
      if (evicted != null && evicted.memberListSubscribed) {
        // it no longer shows that guild: its member list stops too
        evicted.memberListSubscribed = false;
        manager.guildPort().subscribeMemberList(evicted.guildId, s.id, new int[0]);
      }
    }
    if (!sub.passive) {
      return;
    }
    List<RelayEvent> missed = sub.syncGap || !sub.joined ? null : rosters.after(s, guildId, sub.passiveFromSeq);
    // read what it skipped before it leaves the passive list: the roster may stop keeping then
    rosters.setPassive(s, sub, false);
    boolean gap = sub.syncGap;
    sub.syncGap = false;
    if (!sub.joined) {
      // a re-join is in flight: its GUILD_CREATE renews the guild (caught up from what it had seen)
      return;
    }
    if (missed == null) {
      syncFallbacks.increment();
      log.debug("session {}: guild {} switched to active by a re-join ({})", s.id, Long.toUnsignedString(guildId), gap ? "it moved" : "no longer kept");
      sub.lastMessageId = sub.syncFromMessageId;
      manager.rejoin(s, sub, 0);
      return;
    }
    for (RelayEvent e : missed) {
      if (delivers(s, e, new Pass(e)) || !RelayDelivery.permits(s, sub, e)) {
        continue; // it had it live, or may not see it
      }
      sub.lastMessageId = Math.max(sub.lastMessageId, e.getMessageId());
      manager.dispatch(s, e.getType(), RelayDelivery.payloadFor(s, e));
    }
    synced.increment();
  }

  /** The user id in a member event's {@code user.id} (0 if none). */
  private static long userIdOf(ByteString payload) {
    try {
      String id = JSON.readTree(payload.toByteArray()).path("user").path("id").asString("");
      return id.isEmpty() ? 0 : Long.parseUnsignedLong(id);
    } catch (JacksonException | NumberFormatException e) {
      return 0;
    }
  }

  long skippedDeliveries() {
    return skipped.sum();
  }

  long unreadUpdates() {
    return unreadUpdates.sum();
  }

  long syncs() {
    return synced.sum();
  }

  long syncFallbacks() {
    return syncFallbacks.sum();
  }

  long keptBytes() {
    return rosters.keptBytes();
  }
}
