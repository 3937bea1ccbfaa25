package dev.concord.session.core;

import dev.concord.proto.guild.v1.RelayEvent;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One identified connection's session. Confined to its worker thread (see {@link dev.concord.fanout.RelayWorkers}):
 * only tasks on that worker read or write its fields, except {@link #desynced}, which any thread
 * may set.
 */
public final class Session {
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
    long[] hidden = new long[0];
    final ArrayDeque<RelayEvent> held = new ArrayDeque<>();

    GuildSub(long guildId) {
      this.guildId = guildId;
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
  final Map<Long, GuildSub> guilds = new LinkedHashMap<>();
  long seq;
  boolean ended;
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

  /** Whether {@code guildId} belongs to this session's shard. */
  boolean inShard(long guildId) {
    return shardCount <= 1 || Long.remainderUnsigned(guildId >>> 22, shardCount) == shardId;
  }
}
