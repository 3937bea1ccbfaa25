package dev.concord.guild.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * One guild's state. Owned by the guild's {@link GuildEventLoop}: only tasks of that loop read or
 * write it, so it is plain, unsynchronized Java.
 */
public final class GuildState {
  public record Overwrite(long id, int type, long allow, long deny) {}

  public record Channel(long id, String name, String topic, int type, int position, List<Overwrite> overwrites) {
    Overwrite overwrite(long targetId, int targetType) {
      for (Overwrite o : overwrites) {
        if (o.id() == targetId && o.type() == targetType) {
          return o;
        }
      }
      return null;
    }

    Channel withOverwrite(Overwrite o) {
      List<Overwrite> next = new ArrayList<>(overwrites.size() + 1);
      for (Overwrite x : overwrites) {
        if (!(x.id() == o.id() && x.type() == o.type())) {
          next.add(x);
        }
      }
      next.add(o);
      return new Channel(id, name, topic, type, position, List.copyOf(next));
    }
  }

  public record Role(long id, String name, long permissions, int position) {}

  /** A member; {@code roles} excludes @everyone (implicit); {@code nick} null when none. */
  public record Member(long userId, long joinedAtMs, java.util.Set<Long> roles, @org.jspecify.annotations.Nullable String nick) {
    public Member(long userId, long joinedAtMs) {
      this(userId, joinedAtMs, java.util.Set.of(), null);
    }

    public Member(long userId, long joinedAtMs, java.util.Set<Long> roles) {
      this(userId, joinedAtMs, roles, null);
    }

    Member withRoles(java.util.Set<Long> next) {
      return new Member(userId, joinedAtMs, java.util.Set.copyOf(next), nick);
    }

    Member withNick(@org.jspecify.annotations.Nullable String next) {
      return new Member(userId, joinedAtMs, roles, next);
    }
  }

  /** A session subscribed to this guild's events. */
  public record Subscriber(String sessionId, long sessionKey, long userId, String podId, long intents) {}

  final long id;
  String name;
  /** Deleted by its owner: every later operation is refused (unknown guild). */
  boolean deleted;
  final long ownerId;
  /** This pod's ownership epoch of the guild (fences writes of earlier owners). */
  final long epoch;
  /** The largest message id in the store when this pod loaded the guild (0: none, or created here). */
  long loadedMaxMessageId;
  final Map<Long, Channel> channels = new LinkedHashMap<>();
  /** Roles by id; @everyone has the guild's id. */
  final Map<Long, Role> roles = new LinkedHashMap<>();
  /** sessionId → the channels hidden from it as last told (sorted), to send only changes. */
  final Map<String, long[]> hiddenBySession = new HashMap<>();
  final Map<Long, Member> members = new LinkedHashMap<>();
  /** userId → PRESENCE_UPDATE d fields (JSON, without guild_id); absent = offline. */
  final Map<Long, byte[]> presences = new HashMap<>();
  final Map<String, Subscriber> subscribers = new HashMap<>();
  /** session pod → the keys of its subscribed sessions, kept in step with {@link #subscribers}. */
  final Map<String, LinkedHashSet<Long>> subscribersByPod = new HashMap<>();
  /**
   * The same, for each intent that many sessions leave out (presences, typing, reactions, member
   * events): only the sessions that asked for it. An event needing one of these is relayed to
   * those alone, so one member coming online in a guild of N bots costs nothing per bot instead
   * of N session keys shipped and filtered (measured: ~30 % of the suite's CPU while 5 000
   * clients connected).
   */
  private final Map<Long, Map<String, LinkedHashSet<Long>>> byIntent = new HashMap<>();

  /** The intents indexed in {@link #byIntent}. */
  static final long[] SELECTIVE_INTENTS = {
    dev.concord.protocol.Intents.GUILD_PRESENCES,
    dev.concord.protocol.Intents.GUILD_MEMBERS,
    dev.concord.protocol.Intents.GUILD_MESSAGE_TYPING,
    dev.concord.protocol.Intents.GUILD_MESSAGE_REACTIONS
  };
  /**
   * What this loop changed lately about messages, which a store read made before the change may
   * not show yet (message operations read the row first, then run here): deleted message ids, and
   * the latest add (true) or remove (false) of each (message, emoji, user) reaction. Both bounded.
   */
  final java.util.Set<Long> recentlyDeleted = java.util.Collections.newSetFromMap(bounded(4096));

  final Map<String, Boolean> recentReactions = bounded(4096);
  /** (author, nonce) → the message it created, for enforce_nonce (bounded). */
  final Map<String, MessageOps.CreatedMessage> recentNonces = bounded(1024);

  private static <K, V> Map<K, V> bounded(int max) {
    return new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > max;
      }
    };
  }

  /** Sequence of the last event applied; a snapshot taken now covers every event ≤ seq. */
  long seq;
  /**
   * Serialized snapshot fragments shared by every join until the next change (a reconnect storm
   * joins each guild thousands of times between changes): the full members array and the full
   * channels array. Null when stale; rebuilt on the next join.
   */
  String membersJson;

  String channelsJson;

  /** The lazy member list while a session subscribes to it (op 14 ranges), else null. */
  @org.jspecify.annotations.Nullable MemberList memberList;

  /** The online members' array for GUILD_CREATE of a large guild (and their ids, sorted); null when stale. */
  String onlineMembersJson;

  long[] onlineMemberIds = new long[0];

  /** GUILD_CREATE's guild-wide fields (name, owner, roles, constants) as a JSON object; null when stale. */
  byte @org.jspecify.annotations.Nullable [] baseJson;

  void membersChanged() {
    membersJson = null;
    onlineMembersJson = null;
  }

  void presencesChanged() {
    onlineMembersJson = null;
  }

  void channelsChanged() {
    channelsJson = null;
  }

  /** The guild's name or a role changed. */
  void baseChanged() {
    baseJson = null;
  }

  /**
   * A guild owned at {@code epoch}. Its seq starts at {@code epoch << 32}, so every event of a
   * later owner sorts after every event of an earlier one (sessions re-joining compare them).
   */
  GuildState(long id, String name, long ownerId, long everyonePermissions, long epoch) {
    this.id = id;
    this.name = name;
    this.ownerId = ownerId;
    this.epoch = epoch;
    this.seq = epoch << 32;
    roles.put(id, new Role(id, "@everyone", everyonePermissions, 0));
  }

  public long id() {
    return id;
  }

  public String name() {
    return name;
  }

  public long ownerId() {
    return ownerId;
  }

  public long seq() {
    return seq;
  }

  public long epoch() {
    return epoch;
  }

  public Map<Long, Channel> channels() {
    return channels;
  }

  public Map<Long, Member> members() {
    return members;
  }

  public Map<Long, Role> roles() {
    return roles;
  }

  public java.util.Collection<Subscriber> subscribers() {
    return subscribers.values();
  }

  public Map<String, LinkedHashSet<Long>> subscribersByPod() {
    return subscribersByPod;
  }

  /**
   * The subscribers an event needing {@code requiredIntents} may go to, by pod: for one of the
   * {@link #SELECTIVE_INTENTS} only the sessions that asked for it, otherwise all (the session
   * workers check the rest).
   */
  public Map<String, LinkedHashSet<Long>> subscribersByPod(long requiredIntents) {
    return isSelective(requiredIntents) ? byIntent.getOrDefault(requiredIntents, Map.of()) : subscribersByPod;
  }

  /**
   * Whether an event needing {@code requiredIntents} goes to an intent index's sessions only (its
   * relay events name them); any other guild-wide event goes to every subscriber of each pod.
   */
  public static boolean narrowedByIntent(long requiredIntents) {
    return isSelective(requiredIntents);
  }

  private static boolean isSelective(long intent) {
    for (long i : SELECTIVE_INTENTS) {
      if (i == intent) {
        return true;
      }
    }
    return false;
  }

  void subscribe(Subscriber s) {
    Subscriber old = subscribers.put(s.sessionId(), s);
    if (old != null) {
      removeFromPod(old);
    }
    subscribersByPod.computeIfAbsent(s.podId(), p -> new LinkedHashSet<>()).add(s.sessionKey());
    for (long intent : SELECTIVE_INTENTS) {
      if ((s.intents() & intent) != 0) {
        byIntent.computeIfAbsent(intent, i -> new HashMap<>()).computeIfAbsent(s.podId(), p -> new LinkedHashSet<>()).add(s.sessionKey());
      }
    }
  }

  /**
   * A session with GUILD_PRESENCES that shows the member list ({@code viaList}) gets presences
   * only for the members it displays, as list UPDATE ops, not every PRESENCE_UPDATE of the guild:
   * it leaves (or, unsubscribing, rejoins) the presence index.
   */
  void presencesViaList(Subscriber s, boolean viaList) {
    if ((s.intents() & dev.concord.protocol.Intents.GUILD_PRESENCES) == 0) {
      return;
    }
    if (viaList) {
      Map<String, LinkedHashSet<Long>> m = byIntent.get(dev.concord.protocol.Intents.GUILD_PRESENCES);
      if (m != null) {
        removeFrom(m, s);
        if (m.isEmpty()) {
          byIntent.remove(dev.concord.protocol.Intents.GUILD_PRESENCES);
        }
      }
    } else {
      byIntent
          .computeIfAbsent(dev.concord.protocol.Intents.GUILD_PRESENCES, i -> new HashMap<>())
          .computeIfAbsent(s.podId(), p -> new LinkedHashSet<>())
          .add(s.sessionKey());
    }
  }

  boolean unsubscribe(String sessionId) {
    Subscriber old = subscribers.remove(sessionId);
    hiddenBySession.remove(sessionId);
    if (memberList != null) {
      memberList.forget(sessionId);
      if (!memberList.hasSubscribers()) {
        memberList = null;
      }
    }
    if (old == null) {
      return false;
    }
    removeFromPod(old);
    return true;
  }

  List<Subscriber> subscribersOf(long userId) {
    List<Subscriber> out = new ArrayList<>();
    for (Subscriber s : subscribers.values()) {
      if (s.userId() == userId) {
        out.add(s);
      }
    }
    return out;
  }

  private void removeFromPod(Subscriber s) {
    removeFrom(subscribersByPod, s);
    for (long intent : SELECTIVE_INTENTS) {
      Map<String, LinkedHashSet<Long>> m = byIntent.get(intent);
      if ((s.intents() & intent) != 0 && m != null) {
        removeFrom(m, s);
        if (m.isEmpty()) {
          byIntent.remove(intent);
        }
      }
    }
  }

  private static void removeFrom(Map<String, LinkedHashSet<Long>> byPod, Subscriber s) {
    LinkedHashSet<Long> set = byPod.get(s.podId());
    if (set != null) {
      set.remove(s.sessionKey());
      if (set.isEmpty()) {
        byPod.remove(s.podId());
      }
    }
  }
}
