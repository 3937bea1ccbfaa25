package dev.concord.session.core;

import dev.concord.proto.guild.v1.RelayEvent;
import java.util.ArrayDeque;

/**
 * One identified connection's session. Confined to its worker thread (see {@link dev.concord.fanout.RelayWorkers}):
 * only tasks on that worker read or write its fields, except {@link #desynced}, which any thread
 * may set.
 */
public final class Session {
  /** The hidden channels of most subs: none (shared; arrays of {@code hidden} are replaced, never written). */
  static final long[] NO_CHANNELS = new long[0];

  /** A guild of the session: joining (events are held) or joined (events flow). */
  static final class GuildSub {
    final long guildId;
    boolean joined;
    long snapshotSeq;
    /** The guild pod that answered the last join ("" before it): its loss means a re-join. */
    String ownerPod = "";
    /** The newest message of the guild this session has seen (or its join covered). */
    long lastMessageId;
    /** A re-join is in flight or waiting to retry (at most one). */
    boolean rejoining;
    /** The re-join's next attempt while it backs off (cancelled and run at once on a ring change). */
    java.util.concurrent.ScheduledFuture<?> rejoinRetry;
    /** Joins answered through a relay stream that broke before the answer was used, in a row. */
    int brokenRelayJoins;
    /** Channels this session cannot view, sorted (from the join, then _VISIBILITY events). */
    long[] hidden = NO_CHANNELS;
    /**
     * Events that arrived while the join is in flight, oldest first; null when none (most subs,
     * most of the time: a deque allocated per guild per session cost ~110 B of heap each, idle).
     */
    private @org.jspecify.annotations.Nullable ArrayDeque<RelayEvent> held;

    // Passive sessions (see PassiveSessions) and the worker's roster (GuildRosters): worker-confined.
    /** The session is not looking at this guild: it gets a reduced diet of its events. */
    boolean passive;
    /** The newest message it had when it became passive: where a catch-up from the store starts. */
    long syncFromMessageId;
    /** The guild_seq after which it skipped events since it became passive (-1: from its join's snapshot). */
    long passiveFromSeq = -1;
    /** The guild moved while passive: the worker's roster cannot be trusted to cover what it skipped. */
    boolean syncGap;
    /** Its index in its roster's active or passive list (-1: not listed, i.e. not joined). */
    int rosterSlot = -1;
    /** A join of it is in flight and counted in its roster. */
    boolean joinCounted;
    /** Its client subscribed to ranges of the guild's member list (op 14 channels). */
    boolean memberListSubscribed;
    /**
     * Channels already reported unread since it became passive: a channel that is unread stays
     * unread for the client until it looks (op 14 sends the messages), so later messages in it
     * send nothing more. At most the guild's channels.
     */
    long @org.jspecify.annotations.Nullable [] reported;
    int reportedCount;

    GuildSub(long guildId) {
      this.guildId = guildId;
    }

    int heldCount() {
      return held == null ? 0 : held.size();
    }

    void hold(RelayEvent e) {
      if (held == null) {
        held = new ArrayDeque<>(4);
      }
      held.add(e);
    }

    @org.jspecify.annotations.Nullable RelayEvent peekHeld() {
      return held == null ? null : held.peek();
    }

    /** The oldest held event, removed; the deque goes once empty. */
    RelayEvent pollHeld() {
      RelayEvent e = java.util.Objects.requireNonNull(held).poll();
      if (held.isEmpty()) {
        held = null;
      }
      return e;
    }

    void dropHeld() {
      held = null;
    }

    boolean reportedUnread(long channelId) {
      for (int i = 0; i < reportedCount; i++) {
        if (reported[i] == channelId) {
          return true;
        }
      }
      return false;
    }

    void addReported(long channelId) {
      if (reported == null || reportedCount == reported.length) {
        reported = java.util.Arrays.copyOf(reported == null ? new long[0] : reported, Math.max(4, 2 * reportedCount));
      }
      reported[reportedCount++] = channelId;
    }

  }

  final String id;
  /** This pod's compact id of the session: relay events name recipients by it. Set once, on identify. */
  long key;
  final long userId;
  final long intents;
  final int largeThreshold;
  final int shardId;
  final int shardCount;
  final String platform;
  /** The client connection; null while detached (socket lost, resumable until the window ends). */
  @org.jspecify.annotations.Nullable Connection connection;
  final ReplayBuffer replay;
  /** Ends the session when the resume window passes while detached. */
  java.util.concurrent.@org.jspecify.annotations.Nullable ScheduledFuture<?> expiry;
  final GuildSubs guilds = new GuildSubs();
  /** The subscription {@link #sub} found last: most sessions' events are of one guild at a time. */
  private @org.jspecify.annotations.Nullable GuildSub lastSub;
  long seq;
  boolean ended;
  /** A user client that takes passive guilds (IDENTIFY capabilities; never a bot). Set in READY. */
  boolean passiveCapable;
  /** The guilds it looked at most recently (op 14), oldest first; null until the first. */
  java.util.@org.jspecify.annotations.Nullable ArrayDeque<Long> activeGuilds;
  String status = "online";
  String activitiesJson = "[]";
  /** Op 8 requests sent to guild pods and not answered yet (bounded: see SessionManager#requestMembers). */
  int memberRequestsInFlight;
  volatile boolean desynced;

  Session(
      String id,
      long userId,
      long intents,
      int largeThreshold,
      int shardId,
      int shardCount,
      String platform,
      Connection connection,
      ReplayBuffer replay) {
    this.id = id;
    this.userId = userId;
    this.intents = intents;
    this.largeThreshold = largeThreshold;
    this.shardId = shardId;
    this.shardCount = shardCount;
    this.platform = platform;
    this.connection = connection;
    this.replay = replay;
  }

  public String id() {
    return id;
  }

  public long key() {
    return key;
  }

  public long userId() {
    return userId;
  }

  public long intents() {
    return intents;
  }

  public int largeThreshold() {
    return largeThreshold;
  }

  /** The session's subscription to {@code guildId}, or null; the last one found is remembered. */
  @org.jspecify.annotations.Nullable GuildSub sub(long guildId) {
    GuildSub c = lastSub;
    if (c != null && c.guildId == guildId) {
      return c;
    }
    c = guilds.get(guildId);
    if (c != null) {
      lastSub = c;
    }
    return c;
  }

  /** Drops the subscription to {@code guildId} (and the remembered lookup). */
  void removeGuild(long guildId) {
    guilds.remove(guildId);
    if (lastSub != null && lastSub.guildId == guildId) {
      lastSub = null;
    }
  }

  /** Whether {@code guildId} belongs to this session's shard. */
  boolean inShard(long guildId) {
    return shardCount <= 1 || Long.remainderUnsigned(guildId >>> 22, shardCount) == shardId;
  }
}
