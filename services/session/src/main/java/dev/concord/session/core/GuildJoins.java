package dev.concord.session.core;

import com.google.protobuf.ByteString;
import dev.concord.proto.guild.v1.JoinResponse;
import dev.concord.proto.guild.v1.RelayEvent;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's guild subscriptions: the first join of each guild after READY (GUILD_CREATE when it
 * answers, held relay events released after it), and the re-join when a guild moves (its pod died
 * or left the ring, its relay stream broke, or it reloaded): GUILD_DELETE unavailable, a join on
 * the ring's new owner with bounded jittered retries, then the catch-up of what the session missed.
 *
 * <p>Concurrency: every step runs on the session's worker ({@link SessionManager#onWorker}).
 */
final class GuildJoins {
  private static final Logger log = LoggerFactory.getLogger(GuildJoins.class);

  /** Re-joins a bounded number of times, backing off up to this long between attempts. */
  static final int MAX_REJOIN_ATTEMPTS = 40;

  static final long MAX_REJOIN_BACKOFF_MS = 2_000;

  private final SessionManager manager;
  private final GuildPort guilds;
  private final RelayDelivery relay;
  private final GuildRosters rosters;
  private final ScheduledExecutorService scheduler;
  private final LongAdder rejoins = new LongAdder();
  private final LongAdder caughtUp = new LongAdder();

  GuildJoins(SessionManager manager, GuildPort guilds, RelayDelivery relay, GuildRosters rosters, ScheduledExecutorService scheduler) {
    this.manager = manager;
    this.rosters = rosters;
    this.guilds = guilds;
    this.relay = relay;
    this.scheduler = scheduler;
  }

  long rejoins() {
    return rejoins.sum();
  }

  long caughtUpMessages() {
    return caughtUp.sum();
  }

  /** The first join of {@code guildId} (its sub is in {@code s.guilds} already). */
  void join(Session s, long guildId) {
    rosters.beginJoin(s, s.sub(guildId));
    guilds.join(guildId, s, 0).whenComplete((joined, error) -> manager.onWorker(s, () -> onJoined(s, guildId, joined, error)));
  }

  /** On the worker: re-joins the guilds of {@code s} that moved (see {@link SessionManager#rejoinMoved}). */
  void rejoinMoved(Session s, java.util.function.Predicate<String> isGone, java.util.function.LongFunction<String> ownerNow) {
    for (Session.GuildSub sub : s.guilds.values()) {
      if (sub.rejoinRetry != null) {
        // backing off after a failed attempt: the ring moved, so try now
        sub.rejoinRetry.cancel(false);
        sub.rejoinRetry = null;
        rejoin(s, sub, 1);
        continue;
      }
      if (!sub.joined || sub.ownerPod.isEmpty()) {
        continue;
      }
      String owner = ownerNow.apply(sub.guildId);
      if (isGone.test(sub.ownerPod) || (!owner.isEmpty() && !owner.equals(sub.ownerPod))) {
        rejoin(s, sub, 0);
      }
    }
  }

  private void onJoined(Session s, long guildId, GuildPort.Joined joined, Throwable error) {
    Session.GuildSub sub = s.guilds.get(guildId);
    if (s.ended || sub == null) {
      if (error == null && joined != null) {
        guilds.leave(guildId, s.id); // subscribed after the session ended: undo it
      }
      return;
    }
    if (error != null) {
      // The guild stays unavailable for this session (the join client already retried within its
      // bounds). Held events are useless without the snapshot.
      log.warn("join of guild {} for session {} failed: {}", Long.toUnsignedString(guildId), s.id, error.toString());
      sub.dropHeld();
      rosters.endJoin(s, sub);
      return;
    }
    JoinResponse resp = joined.response();
    if (!guilds.relayIntact(joined)) {
      // The relay stream broke between the snapshot and now: events after it may be lost. Join
      // again (bounded) and catch up from what this session has seen, or from this snapshot if
      // it never saw the guild (nothing before a first join is owed).
      if (sub.lastMessageId == 0) {
        sub.lastMessageId = resp.getSnapshotMessageId();
      }
      if (++sub.brokenRelayJoins >= MAX_REJOIN_ATTEMPTS) {
        onJoined(s, guildId, null, new IllegalStateException("relay of " + joined.podId() + " keeps breaking"));
        return;
      }
      sub.rejoining = false;
      rejoin(s, sub, 1);
      return;
    }
    // guild-wide events this worker processed after the snapshot, before the session is listed
    List<RelayEvent> sinceSnapshot = rosters.after(s, guildId, resp.getSnapshotSeq());
    if (sinceSnapshot == null) {
      // more than the roster keeps went by between the snapshot and now: join again (bounded)
      if (++sub.brokenRelayJoins >= MAX_REJOIN_ATTEMPTS) {
        onJoined(s, guildId, null, new IllegalStateException("guild " + Long.toUnsignedString(guildId) + " moves faster than the roster keeps"));
        return;
      }
      sub.rejoining = false;
      rejoin(s, sub, 1);
      return;
    }
    sub.brokenRelayJoins = 0;
    sub.joined = true;
    rosters.add(s, sub);
    sub.ownerPod = joined.podId();
    sub.snapshotSeq = resp.getSnapshotSeq();
    sub.hidden = RelayDelivery.sortedArray(resp.getHiddenChannelIdsList());
    manager.dispatch(s, "GUILD_CREATE", resp.getGuildCreateJson());
    if (sub.passive) {
      // what it missed meanwhile waits for the session to look at the guild (a sync from the store)
      passiveAfterJoin(sub, resp);
      releaseHeld(s, sub, sinceSnapshot);
      return;
    }
    // A re-join: the messages missed while the guild moved, oldest first, all covered by the
    // snapshot (later ones arrive live with a higher seq), so none comes twice.
    // Without MESSAGE_CONTENT they come stripped, as live ones do.
    boolean gated = !dev.concord.protocol.Intents.permits(s.intents, dev.concord.protocol.Intents.MESSAGE_CONTENT);
    for (ByteString m : resp.getCatchUpMessagesList()) {
      manager.dispatch(s, "MESSAGE_CREATE", gated ? CatchUpContent.forReceiver(m, s.userId) : m);
    }
    // then what changed in older messages meanwhile
    for (ByteString m : resp.getCatchUpUpdatesList()) {
      manager.dispatch(s, "MESSAGE_UPDATE", gated ? CatchUpContent.forReceiver(m, s.userId) : m);
    }
    for (ByteString m : resp.getCatchUpDeletesList()) {
      manager.dispatch(s, "MESSAGE_DELETE", m);
    }
    // and the reactions added and removed meanwhile, in order
    for (dev.concord.proto.guild.v1.CatchUpEvent e : resp.getCatchUpReactionsList()) {
      manager.dispatch(s, e.getType(), e.getPayload());
    }
    caughtUp.add(resp.getCatchUpMessagesCount() + resp.getCatchUpUpdatesCount() + resp.getCatchUpDeletesCount() + resp.getCatchUpReactionsCount());
    sub.lastMessageId = Math.max(sub.lastMessageId, resp.getSnapshotMessageId());
    releaseHeld(s, sub, sinceSnapshot);
  }

  /**
   * The events after the snapshot that came before the session was listed, in the guild's order:
   * guild-wide ones from the roster merged with those naming it, held on its sub. Then its join
   * is no longer counted (the roster may stop keeping events).
   */
  private void releaseHeld(Session s, Session.GuildSub sub, List<RelayEvent> sinceSnapshot) {
    int i = 0;
    while (true) {
      while (i < sinceSnapshot.size() && !sinceSnapshot.get(i).getAllSubscribers()) {
        i++; // those naming sessions reached it on its own (held) if it was among them
      }
      RelayEvent fromRoster = i < sinceSnapshot.size() ? sinceSnapshot.get(i) : null;
      RelayEvent held = sub.peekHeld();
      if (fromRoster == null && held == null) {
        break;
      }
      if (held == null || fromRoster != null && fromRoster.getGuildSeq() < held.getGuildSeq()) {
        relay.deliver(s, sub, fromRoster);
        i++;
      } else {
        relay.deliver(s, sub, sub.pollHeld());
      }
      if (s.guilds.get(sub.guildId) != sub || s.ended) {
        break; // it left (GUILD_DELETE) or ended on the way
      }
    }
    rosters.endJoin(s, sub);
  }

  /**
   * A passive session's (re-)join: nothing missed is dispatched now. On its first join it skips
   * from this snapshot on; a re-join that had something to catch up on leaves the switch to active
   * to a sync from the store (the roster does not have what the guild's move cost).
   */
  private static void passiveAfterJoin(Session.GuildSub sub, JoinResponse resp) {
    sub.lastMessageId = Math.max(sub.lastMessageId, resp.getSnapshotMessageId());
    if (sub.passiveFromSeq < 0) {
      // its first join: it skips from this snapshot on
      sub.passiveFromSeq = resp.getSnapshotSeq();
      sub.syncFromMessageId = sub.lastMessageId;
    } else if (resp.getCatchUpMessagesCount() + resp.getCatchUpUpdatesCount() + resp.getCatchUpDeletesCount() + resp.getCatchUpReactionsCount() > 0) {
      sub.syncGap = true; // what it missed while the guild moved is not in the roster: a switch syncs from the store
    }
  }

  /**
   * The guild moved (its pod died or left the ring, or reloaded it): on the worker, mark it
   * unavailable (GUILD_DELETE with unavailable, as Discord does in an outage), hold its events and
   * join it again on the ring's owner, catching up on the messages missed since the newest one seen.
   */
  void rejoin(Session s, Session.GuildSub sub, int attempt) {
    if (s.ended || s.guilds.get(sub.guildId) != sub) {
      return;
    }
    if (sub.joined) {
      sub.joined = false;
      rosters.remove(s, sub);
      rejoins.increment();
      manager.dispatch(s, "GUILD_DELETE", ByteString.copyFromUtf8("{\"id\":\"" + Long.toUnsignedString(sub.guildId) + "\",\"unavailable\":true}"));
    } else if (sub.rejoining && attempt == 0) {
      return; // one re-join in flight is enough
    }
    sub.rejoining = true;
    rosters.beginJoin(s, sub);
    guilds
        .join(sub.guildId, s, Math.max(1, sub.lastMessageId))
        .whenComplete(
            (joined, error) ->
                manager.onWorker(
                    s,
                    () -> {
                      if (s.ended || s.guilds.get(sub.guildId) != sub) {
                        return;
                      }
                      if (error == null) {
                        sub.rejoining = false;
                        onJoined(s, sub.guildId, joined, null);
                        return;
                      }
                      if (attempt + 1 >= MAX_REJOIN_ATTEMPTS) {
                        sub.rejoining = false;
                        onJoined(s, sub.guildId, null, error);
                        return;
                      }
                      long cap = Math.min(MAX_REJOIN_BACKOFF_MS, 50L << Math.min(attempt, 10));
                      long delay = java.util.concurrent.ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
                      sub.rejoinRetry =
                          scheduler.schedule(
                              () -> manager.onWorker(s, () -> retryRejoin(s, sub, attempt + 1)),
                              delay,
                              java.util.concurrent.TimeUnit.MILLISECONDS);
                    }));
  }

  /** The scheduled next attempt of a backing-off re-join (unless a ring change ran it already). */
  private void retryRejoin(Session s, Session.GuildSub sub, int attempt) {
    if (sub.rejoinRetry != null) {
      sub.rejoinRetry = null;
      rejoin(s, sub, attempt);
    }
  }
}
