package dev.concord.session.core;

import com.google.protobuf.ByteString;
import dev.concord.fanout.RelayWorkers;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.protocol.CloseCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
 * every other message, a PASSIVE_UPDATE_V1 per interval with each channel's newest
 * {@code last_message_id} (its unread markers). Typing, presences, edits, deletes, reactions and
 * other members' changes are skipped. This is decided here, on the session workers, from what the
 * relay event carries (type, channel, author and mentions of its content gate); the guild loop
 * never looks at members per event.
 *
 * <p>Gateway op 14 ({@code {"guild_id": "..."}}) makes the session active in that guild: it is
 * first sent, in order, everything it skipped since it became passive (from the pod's shared
 * {@link PassiveLogs}), then live events. When the log no longer covers that, the guild is joined
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
      boolean enabled, int maxActiveGuilds, Duration unreadInterval, int logEvents, long logBytesPerGuild, long logBytesTotal) {
    public static final Policy DEFAULT = new Policy(true, 10, Duration.ofSeconds(1), 4096, 4L << 20, 256L << 20);
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final SessionManager manager;
  private final RelayWorkers workers;
  private final ScheduledExecutorService scheduler;
  private final Policy policy;
  private final PassiveLogs logs;
  /** Per worker, the (session, guild) pairs with unread markers to send; each worker's own list. */
  private final List<List<Pending>> pendingByWorker = new ArrayList<>();
  private final AtomicBoolean flushing = new AtomicBoolean();
  private final LongAdder skipped = new LongAdder();
  private final LongAdder unreadUpdates = new LongAdder();
  private final LongAdder synced = new LongAdder();
  private final LongAdder syncFallbacks = new LongAdder();

  private record Pending(Session session, Session.GuildSub sub) {}

  PassiveSessions(SessionManager manager, RelayWorkers workers, ScheduledExecutorService scheduler, Policy policy) {
    this.manager = manager;
    this.workers = workers;
    this.scheduler = scheduler;
    this.policy = policy;
    this.logs = new PassiveLogs(policy.logEvents(), policy.logBytesPerGuild(), policy.logBytesTotal());
    for (int i = 0; i < workers.count(); i++) {
      pendingByWorker.add(new ArrayList<>());
    }
  }

  Policy policy() {
    return policy;
  }

  /** Whether {@code s} may be passive at all: a user client that asked, when the pod allows it. */
  boolean capable(long capabilities, boolean bot) {
    return policy.enabled() && !bot && (capabilities & CAPABILITY) != 0;
  }

  /** Relay thread, before the workers see {@code e}: the pod's log of the guild keeps it. */
  void onRelayEvent(RelayEvent e) {
    logs.append(e);
  }

  /** On the worker: {@code sub} of {@code s} becomes (or starts) passive. */
  void passivate(Session s, Session.@Nullable GuildSub sub) {
    if (sub == null || sub.passive) {
      return;
    }
    sub.passive = true;
    sub.syncFromMessageId = sub.lastMessageId;
    sub.firstSkippedSeq = 0;
    sub.syncGap = false;
    logs.retain(sub.guildId);
  }

  /** On the worker: {@code sub} ends (left the guild, or the session ended). */
  void forget(Session.GuildSub sub) {
    if (sub.passive) {
      sub.passive = false;
      logs.release(sub.guildId);
    }
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
      default -> true; // guild, channel, role changes: what keeps the guild's picture right
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

  /** On the worker: passive {@code sub} skipped {@code e}; a message moves its channel's unread marker. */
  void skipped(Session s, Session.GuildSub sub, RelayEvent e) {
    skipped.increment();
    if (sub.firstSkippedSeq == 0) {
      sub.firstSkippedSeq = e.getGuildSeq();
    }
    if (e.getMessageId() == 0 || e.getChannelId() == 0 || !"MESSAGE_CREATE".equals(e.getType())) {
      return;
    }
    sub.markUnread(e.getChannelId(), e.getMessageId());
    if (!sub.unreadQueued) {
      sub.unreadQueued = true;
      pendingByWorker.get(workers.workerOf(s.key)).add(new Pending(s, sub));
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

  /** On worker {@code w}: one PASSIVE_UPDATE_V1 per (session, guild) with new unread markers. */
  private void flush(int w) {
    List<Pending> pending = pendingByWorker.get(w);
    for (Pending p : pending) {
      Session s = p.session();
      Session.GuildSub sub = p.sub();
      sub.unreadQueued = false;
      if (s.ended || !sub.passive || sub.unreadCount == 0 || s.guilds.get(sub.guildId) != sub) {
        sub.unreadCount = 0;
        continue;
      }
      StringBuilder d = new StringBuilder(64 + 64 * sub.unreadCount);
      d.append("{\"guild_id\":\"").append(Long.toUnsignedString(sub.guildId)).append("\",\"channels\":[");
      for (int i = 0; i < sub.unreadCount; i++) {
        d.append(i == 0 ? "" : ",")
            .append("{\"id\":\"")
            .append(Long.toUnsignedString(sub.unread[2 * i]))
            .append("\",\"last_message_id\":\"")
            .append(Long.toUnsignedString(sub.unread[2 * i + 1]))
            .append("\"}");
      }
      d.append("],\"voice_states\":[],\"members\":[]}");
      sub.unreadCount = 0;
      manager.dispatch(s, "PASSIVE_UPDATE_V1", ByteString.copyFrom(d.toString(), StandardCharsets.UTF_8));
      unreadUpdates.increment();
    }
    pending.clear();
  }

  /** Gateway op 14 from a client, on its session's worker. */
  void subscribe(Session s, byte[] frame) {
    long guildId;
    try {
      JsonNode id = JSON.readTree(frame).path("d").path("guild_id");
      guildId = id.isString() ? Long.parseUnsignedLong(id.asString()) : id.isIntegralNumber() && id.canConvertToLong() ? id.asLong() : -1;
    } catch (JacksonException | NumberFormatException e) {
      guildId = -1;
    }
    if (guildId <= 0) {
      SessionManager.closeIfAttached(s, CloseCode.DECODE_ERROR.code(), "guild subscription needs d.guild_id");
      return;
    }
    activate(s, guildId);
  }

  /** On the worker: {@code s} looks at {@code guildId} now. Ignored for guilds it is not in. */
  void activate(Session s, long guildId) {
    Session.GuildSub sub = s.guilds.get(guildId);
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
      passivate(s, s.guilds.get(recent.removeFirst()));
    }
    if (!sub.passive) {
      return;
    }
    long from = sub.firstSkippedSeq;
    boolean gap = sub.syncGap;
    sub.unreadCount = 0;
    sub.firstSkippedSeq = 0;
    sub.syncGap = false;
    List<RelayEvent> missed = from == 0 || gap ? null : logs.between(guildId, from, sub.lastSeq);
    // read the log before letting go of it: the last release drops it
    forget(sub);
    if (from == 0) {
      return; // nothing skipped
    }
    if (!sub.joined) {
      // a re-join is in flight: its GUILD_CREATE renews the guild, its catch-up starts at what was seen
      return;
    }
    if (missed == null) {
      syncFallbacks.increment();
      sub.lastMessageId = sub.syncFromMessageId;
      manager.rejoin(s, sub, 0);
      return;
    }
    Pass pass = null;
    for (RelayEvent e : missed) {
      if (pass == null || pass.event != e) {
        pass = new Pass(e);
      }
      if (delivers(s, e, pass) || !RelayDelivery.permits(s, sub, e)) {
        continue; // it had it live, or may not see it
      }
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

  PassiveLogs logs() {
    return logs;
  }
}
