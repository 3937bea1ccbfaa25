package dev.concord.session.core;

import dev.concord.fanout.RelayWorkers;
import dev.concord.proto.guild.v1.RelayEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Each worker's roster of the guilds its sessions are in: who of this pod takes a guild's events
 * live (active), who is passive, and whose join is in flight. Guild-wide relay events name no
 * sessions ({@code all_subscribers}); each worker finds the recipients here, so an event costs
 * O(sessions that take it live) on the session pod, not O(subscribers).
 *
 * <p>A roster also keeps the guild's recent events while one of its sessions is joining (a join's
 * snapshot may be older than what the worker already processed: the joiner gets those events from
 * here) or passive (switching to active replays what it skipped from here). Bounded per guild by
 * {@code maxEvents} and {@code maxBytesPerGuild}, and by {@code maxBytesTotal} over the pod;
 * past a bound the oldest go, and a join or switch they no longer cover falls back to a re-join
 * with a catch-up from the store. Payloads are the relay's bytes, referenced, never copied.
 *
 * <p>Concurrency: one map per worker, touched only on that worker (the byte budget is shared).
 */
final class GuildRosters {
  /** One guild on one worker. */
  static final class Roster {
    final long guildId;
    final ArrayList<Session> active = new ArrayList<>();
    final ArrayList<Session> passive = new ArrayList<>();
    /** Passive sessions by user: the ones a message by or mentioning them reaches live. */
    final Map<Long, List<Session>> passiveByUser = new HashMap<>();
    /** Joins in flight of this worker's sessions. */
    int joining;
    /** guild_seq of the newest event of the guild this worker processed. */
    long lastSeq;
    /** Recent events (while someone joins or is passive), oldest first; they cover seq > keptAfter. */
    final ArrayDeque<RelayEvent> recent = new ArrayDeque<>();
    long recentBytes;
    long keptAfter;
    boolean keeping;
    /** Channels with new messages since the last unread flush: (channel, newest message id) pairs. */
    long[] activity = new long[0];
    int activityCount;
    boolean flushQueued;

    Roster(long guildId) {
      this.guildId = guildId;
    }

    boolean isEmpty() {
      return active.isEmpty() && passive.isEmpty() && joining == 0;
    }

    void noteMessage(long channelId, long messageId) {
      for (int i = 0; i < activityCount; i++) {
        if (activity[2 * i] == channelId) {
          activity[2 * i + 1] = Math.max(activity[2 * i + 1], messageId);
          return;
        }
      }
      if (2 * activityCount == activity.length) {
        activity = java.util.Arrays.copyOf(activity, Math.max(8, 2 * activity.length));
      }
      activity[2 * activityCount] = channelId;
      activity[2 * activityCount + 1] = messageId;
      activityCount++;
    }
  }

  private final RelayWorkers workers;
  private final List<Map<Long, Roster>> byWorker = new ArrayList<>();
  private final int maxEvents;
  private final long maxBytesPerGuild;
  private final long maxBytesTotal;
  private final AtomicLong keptBytes = new AtomicLong();

  GuildRosters(RelayWorkers workers, int maxEvents, long maxBytesPerGuild, long maxBytesTotal) {
    this.workers = workers;
    this.maxEvents = maxEvents;
    this.maxBytesPerGuild = maxBytesPerGuild;
    this.maxBytesTotal = maxBytesTotal;
    for (int i = 0; i < workers.count(); i++) {
      byWorker.add(new HashMap<>());
    }
  }

  int workerOf(Session s) {
    return workers.workerOf(s.key);
  }

  /** The roster of {@code guildId} on {@code worker}, or null (none of its sessions is in the guild). */
  @Nullable Roster get(int worker, long guildId) {
    return byWorker.get(worker).get(guildId);
  }

  private Roster of(Session s, long guildId) {
    return byWorker.get(workerOf(s)).computeIfAbsent(guildId, Roster::new);
  }

  /** A join of {@code sub} leaves now: the roster keeps events from here until it is answered. */
  void beginJoin(Session s, Session.GuildSub sub) {
    if (sub.joinCounted) {
      return;
    }
    Roster r = of(s, sub.guildId);
    sub.joinCounted = true;
    r.joining++;
    keep(r);
  }

  /** The join of {@code sub} was answered (or failed). */
  void endJoin(Session s, Session.GuildSub sub) {
    if (!sub.joinCounted) {
      return;
    }
    sub.joinCounted = false;
    Roster r = of(s, sub.guildId);
    r.joining--;
    settle(s, r);
  }

  /** {@code sub} takes the guild's events now (joined), live or passively. */
  void add(Session s, Session.GuildSub sub) {
    if (sub.rosterSlot >= 0) {
      return;
    }
    Roster r = of(s, sub.guildId);
    List<Session> list = sub.passive ? r.passive : r.active;
    sub.rosterSlot = list.size();
    list.add(s);
    if (sub.passive) {
      r.passiveByUser.computeIfAbsent(s.userId, u -> new ArrayList<>(1)).add(s);
      keep(r);
    }
  }

  /** {@code sub} no longer takes the guild's events (it left, re-joins, or its session ended). */
  void remove(Session s, Session.GuildSub sub) {
    if (sub.rosterSlot < 0) {
      return;
    }
    Roster r = of(s, sub.guildId);
    ArrayList<Session> list = sub.passive ? r.passive : r.active;
    int slot = sub.rosterSlot;
    Session last = list.removeLast();
    if (slot < list.size()) {
      list.set(slot, last);
      last.sub(sub.guildId).rosterSlot = slot;
    }
    sub.rosterSlot = -1;
    if (sub.passive) {
      List<Session> mine = r.passiveByUser.get(s.userId);
      if (mine != null) {
        mine.remove(s);
        if (mine.isEmpty()) {
          r.passiveByUser.remove(s.userId);
        }
      }
    }
    settle(s, r);
  }

  /** {@code sub} is gone for good (left the guild, or its session ended). */
  void leave(Session s, Session.GuildSub sub) {
    remove(s, sub);
    endJoin(s, sub);
  }

  /** Moves {@code sub} between the live and the passive list (or just flags it if not joined). */
  void setPassive(Session s, Session.GuildSub sub, boolean passive) {
    if (sub.passive == passive) {
      return;
    }
    boolean listed = sub.rosterSlot >= 0;
    if (listed) {
      remove(s, sub);
    }
    sub.passive = passive;
    if (listed) {
      add(s, sub);
    }
  }

  /** Where the passive session's skipped events start: the newest event this worker processed. */
  long lastSeq(Session s, long guildId) {
    Roster r = byWorker.get(workerOf(s)).get(guildId);
    return r == null ? 0 : r.lastSeq;
  }

  /** On worker {@code r}'s: it processes {@code e} now; kept while someone joins or is passive. */
  void record(Roster r, RelayEvent e) {
    r.lastSeq = Math.max(r.lastSeq, e.getGuildSeq());
    if (!r.keeping) {
      return;
    }
    long size = sizeOf(e);
    while (!r.recent.isEmpty()
        && (r.recent.size() >= maxEvents || r.recentBytes + size > maxBytesPerGuild || keptBytes.get() + size > maxBytesTotal)) {
      evictOldest(r);
    }
    if (size > maxBytesPerGuild || keptBytes.get() + size > maxBytesTotal) {
      r.keptAfter = e.getGuildSeq(); // no room even alone: what came before is no longer covered
      return;
    }
    r.recent.addLast(e);
    r.recentBytes += size;
    keptBytes.addAndGet(size);
  }

  /**
   * The kept events of {@code s}'s worker for {@code guildId} with seq after {@code afterSeq}, in
   * order; null when the roster no longer covers all of them.
   */
  @Nullable List<RelayEvent> after(Session s, long guildId, long afterSeq) {
    Roster r = byWorker.get(workerOf(s)).get(guildId);
    if (r == null || !r.keeping || afterSeq < r.keptAfter) {
      return null;
    }
    List<RelayEvent> out = new ArrayList<>();
    for (RelayEvent e : r.recent) {
      if (e.getGuildSeq() > afterSeq) {
        out.add(e);
      }
    }
    return out;
  }

  /** Bytes the rosters keep over the pod (introspection). */
  long keptBytes() {
    return keptBytes.get();
  }

  private void keep(Roster r) {
    if (!r.keeping) {
      r.keeping = true;
      r.keptAfter = r.lastSeq;
    }
  }

  /** Stops keeping events when no one joins or is passive; forgets an empty roster. */
  private void settle(Session s, Roster r) {
    if (r.keeping && r.joining == 0 && r.passive.isEmpty()) {
      r.keeping = false;
      while (!r.recent.isEmpty()) {
        evictOldest(r);
      }
    }
    if (r.isEmpty()) {
      byWorker.get(workerOf(s)).remove(r.guildId);
    }
  }

  private void evictOldest(Roster r) {
    RelayEvent old = r.recent.removeFirst();
    long size = sizeOf(old);
    r.recentBytes -= size;
    keptBytes.addAndGet(-size);
    r.keptAfter = Math.max(r.keptAfter, old.getGuildSeq());
  }

  private static long sizeOf(RelayEvent e) {
    return 64L + 8L * e.getSessionKeysCount() + e.getPayload().size() + (e.hasContentGate() ? e.getContentGate().getPayloadWithoutContent().size() : 0);
  }
}
