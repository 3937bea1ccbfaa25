package dev.concord.guild.core;

import dev.concord.protocol.Intents;
import dev.concord.protocol.SnowflakeGenerator;
import io.grpc.Deadline;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The guilds active on this pod and every operation on them. Each operation is a task on the
 * guild's {@link GuildEventLoop}: validated, applied to the {@link GuildState}, and its event
 * handed to the {@link Fanout}, all in one step, so the order of changes is the order of events.
 *
 * <p>Results are {@link CompletableFuture}s completed on the loop; failures are {@link
 * GuildException}s. A full mailbox fails at once with RESOURCE_EXHAUSTED.
 *
 * <p>Concurrency: the map of active guilds is concurrent; each guild's state is confined to its
 * loop.
 */
public final class GuildHost {
  public static final int MAX_CONTENT_LENGTH = 2000;
  public static final int MAX_NAME_LENGTH = 100;

  /** What a session gets from joining: the GUILD_CREATE for it and the seq it covers. */
  public record JoinResult(long snapshotSeq, byte[] guildCreateJson) {}

  record Active(GuildEventLoop loop, GuildState state) {}

  private final ConcurrentHashMap<Long, Active> guilds = new ConcurrentHashMap<>();
  private final Users users;
  private final Payloads payloads;
  private final SnowflakeGenerator ids;
  private final Executor loopPool;
  private final Fanout fanout;
  private final Ownership ownership;
  private final int mailboxCapacity;
  private final Clock clock;

  public GuildHost(
      Users users,
      Payloads payloads,
      SnowflakeGenerator ids,
      Executor loopPool,
      Fanout fanout,
      Ownership ownership,
      int mailboxCapacity,
      Clock clock) {
    this.users = users;
    this.payloads = payloads;
    this.ids = ids;
    this.loopPool = loopPool;
    this.fanout = fanout;
    this.ownership = ownership;
    this.mailboxCapacity = mailboxCapacity;
    this.clock = clock;
  }

  public Users users() {
    return users;
  }

  public Ownership ownership() {
    return ownership;
  }

  public int activeGuilds() {
    return guilds.size();
  }

  /** Sum of the mailbox depths of all active guilds. */
  public long pendingTasks() {
    long n = 0;
    for (Active a : guilds.values()) {
      n += a.loop().depth();
    }
    return n;
  }

  public Users.User createUser(String username, String globalName, boolean bot) {
    checkName("username", username, 2, 32);
    return users.create(ids.next(), username, globalName, bot);
  }

  public CompletableFuture<GuildState> createGuild(String name, long ownerId) {
    checkName("guild name", name, 2, MAX_NAME_LENGTH);
    Users.User owner = users.get(ownerId);
    // A new guild lives on the pod that creates it: draw ids until the ring gives one to this pod
    // (about one draw per guild pod; snowflakes cost nanoseconds).
    long drawn = ids.next();
    for (int tries = 1; !ownership.owns(drawn); tries++) {
      if (tries >= 100_000) {
        throw GuildException.wrongOwner(drawn, ownership.ringVersion(), ownership.ownerOf(drawn));
      }
      drawn = ids.next();
    }
    long id = drawn;
    GuildState state = new GuildState(id, name, ownerId);
    Active active = new Active(new GuildEventLoop("guild-" + id, loopPool, mailboxCapacity), state);
    guilds.put(id, active);
    return run(
        active,
        null,
        g -> {
          g.members.put(ownerId, new GuildState.Member(ownerId, clock.millis()));
          owner.guildIds().add(id);
          g.seq++;
          return g;
        });
  }

  public CompletableFuture<GuildState.Member> addMember(long guildId, long userId) {
    Users.User user = users.get(userId);
    return call(
        guildId,
        null,
        g -> {
          if (g.members.containsKey(userId)) {
            throw new GuildException(
                GuildException.Kind.ALREADY_EXISTS,
                "user " + Long.toUnsignedString(userId) + " is already a member of guild " + Long.toUnsignedString(guildId));
          }
          GuildState.Member m = new GuildState.Member(userId, clock.millis());
          g.members.put(userId, m);
          user.guildIds().add(guildId);
          ObjectNode d = payloads.member(m, user, true);
          d.put("guild_id", Long.toUnsignedString(guildId));
          emit(g, "GUILD_MEMBER_ADD", payloads.bytes(d), Intents.GUILD_MEMBERS);
          return m;
        });
  }

  public CompletableFuture<GuildState.Channel> createChannel(long guildId, String name, String topic) {
    checkName("channel name", name, 1, MAX_NAME_LENGTH);
    if (topic.length() > 1024) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, "topic too long: " + topic.length() + " chars (expected: <= 1024)");
    }
    long id = ids.next();
    return call(
        guildId,
        null,
        g -> {
          GuildState.Channel c = new GuildState.Channel(id, name, topic, 0, g.channels.size());
          g.channels.put(id, c);
          emit(g, "CHANNEL_CREATE", payloads.bytes(payloads.channel(guildId, c)), Intents.GUILDS);
          return c;
        });
  }

  public record CreatedMessage(long id, long timestampMs) {}

  public CompletableFuture<CreatedMessage> createMessage(
      long guildId, long channelId, long authorId, String content, String nonce) {
    if (content.isEmpty() || content.length() > MAX_CONTENT_LENGTH) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT,
          "content length out of range: " + content.length() + " (expected: 1.." + MAX_CONTENT_LENGTH + ")");
    }
    if (nonce.length() > 25) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, "nonce too long: " + nonce.length() + " chars (expected: <= 25)");
    }
    Users.User author = users.get(authorId);
    return call(
        guildId,
        null,
        g -> {
          if (!g.channels.containsKey(channelId)) {
            throw new GuildException(
                GuildException.Kind.NOT_FOUND,
                "unknown channel " + Long.toUnsignedString(channelId) + " in guild " + Long.toUnsignedString(guildId));
          }
          GuildState.Member member = g.members.get(authorId);
          if (member == null) {
            throw new GuildException(
                GuildException.Kind.PERMISSION_DENIED,
                "user " + Long.toUnsignedString(authorId) + " is not a member of guild " + Long.toUnsignedString(guildId));
          }
          long id = ids.next();
          long ts = SnowflakeGenerator.timestamp(id).toEpochMilli();
          byte[] payload =
              payloads.bytes(payloads.message(id, guildId, channelId, author, member, content, ts, nonce));
          // Every member sees every text channel until roles and overwrites land.
          emit(g, "MESSAGE_CREATE", payload, Intents.GUILD_MESSAGES);
          return new CreatedMessage(id, ts);
        });
  }

  /**
   * Subscribes a session and snapshots the guild for it in the same loop step: every later event
   * has a seq above {@link JoinResult#snapshotSeq()} and is fanned out to the session.
   */
  public CompletableFuture<JoinResult> join(
      long guildId,
      String sessionId,
      long sessionKey,
      long userId,
      String podId,
      long intents,
      int largeThreshold,
      @Nullable Deadline deadline) {
    return call(
        guildId,
        deadline,
        g -> {
          GuildState.Member self = g.members.get(userId);
          if (self == null) {
            throw new GuildException(
                GuildException.Kind.PERMISSION_DENIED,
                "user " + Long.toUnsignedString(userId) + " is not a member of guild " + Long.toUnsignedString(guildId));
          }
          g.subscribe(new GuildState.Subscriber(sessionId, sessionKey, userId, podId, intents));
          return new JoinResult(g.seq, payloads.bytes(guildCreate(g, self, intents, largeThreshold)));
        });
  }

  public CompletableFuture<Boolean> leave(long guildId, String sessionId) {
    Active a = guilds.get(guildId);
    if (a == null) {
      return CompletableFuture.completedFuture(false);
    }
    return run(a, null, g -> g.unsubscribe(sessionId));
  }

  /** Stores a user's presence in the guild and dispatches PRESENCE_UPDATE. */
  public CompletableFuture<Boolean> publishPresence(long guildId, long userId, byte[] presenceJson) {
    return call(
        guildId,
        null,
        g -> {
          if (!g.members.containsKey(userId)) {
            return false;
          }
          ObjectNode d = (ObjectNode) payloads.json().readTree(presenceJson);
          d.put("guild_id", Long.toUnsignedString(guildId));
          byte[] withGuild = payloads.bytes(d);
          if ("offline".equals(d.path("status").asString(""))) {
            g.presences.remove(userId);
          } else {
            g.presences.put(userId, withGuild);
          }
          emit(g, "PRESENCE_UPDATE", withGuild, Intents.GUILD_PRESENCES);
          return true;
        });
  }

  private ObjectNode guildCreate(GuildState g, GuildState.Member self, long intents, int largeThreshold) {
    ObjectNode n = payloads.guildBase(g);
    int memberCount = g.members.size();
    boolean large = memberCount > largeThreshold;
    n.put("joined_at", Payloads.iso(self.joinedAtMs()));
    n.put("large", large);
    n.put("unavailable", false);
    n.put("member_count", memberCount);
    n.putArray("voice_states");
    ArrayNode members = n.putArray("members");
    if (large) {
      members.add(payloads.member(self, users.get(self.userId()), true));
    } else {
      for (GuildState.Member m : g.members.values()) {
        members.add(payloads.member(m, users.get(m.userId()), true));
      }
    }
    ArrayNode channels = n.putArray("channels");
    for (GuildState.Channel c : g.channels.values()) {
      channels.add(payloads.channel(g.id, c));
    }
    n.putArray("threads");
    ArrayNode presences = n.putArray("presences");
    if (Intents.permits(intents, Intents.GUILD_PRESENCES)) {
      for (byte[] p : g.presences.values()) {
        presences.add(payloads.json().readTree(p));
      }
    }
    n.putArray("stage_instances");
    n.putArray("guild_scheduled_events");
    n.putArray("soundboard_sounds");
    n.put("lazy", true);
    return n;
  }

  private void emit(GuildState g, String type, byte[] payload, long requiredIntents) {
    g.seq++;
    fanout.publish(g, type, payload, requiredIntents);
  }

  private <T> CompletableFuture<T> call(long guildId, @Nullable Deadline deadline, Function<GuildState, T> fn) {
    if (!ownership.owns(guildId)) {
      throw GuildException.wrongOwner(guildId, ownership.ringVersion(), ownership.ownerOf(guildId));
    }
    Active a = guilds.get(guildId);
    if (a == null) {
      throw new GuildException(GuildException.Kind.NOT_FOUND, "unknown guild: " + Long.toUnsignedString(guildId));
    }
    return run(a, deadline, fn);
  }

  private <T> CompletableFuture<T> run(Active a, @Nullable Deadline deadline, Function<GuildState, T> fn) {
    CompletableFuture<T> result = new CompletableFuture<>();
    boolean accepted =
        a.loop()
            .submit(
                () -> {
                  if (deadline != null && deadline.isExpired()) {
                    // The caller has given up; doing the work would only add load.
                    result.completeExceptionally(
                        new GuildException(GuildException.Kind.RESOURCE_EXHAUSTED, "deadline passed while queued"));
                    return;
                  }
                  long guildId = a.state().id;
                  if (!ownership.owns(guildId)) {
                    // The ring moved the guild away while this task waited: the new owner applies
                    // its events from now on, never both.
                    result.completeExceptionally(
                        GuildException.wrongOwner(guildId, ownership.ringVersion(), ownership.ownerOf(guildId)));
                    return;
                  }
                  try {
                    result.complete(fn.apply(a.state()));
                  } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                  }
                });
    if (!accepted) {
      result.completeExceptionally(
          new GuildException(
              GuildException.Kind.RESOURCE_EXHAUSTED,
              "guild " + Long.toUnsignedString(a.state().id) + " event loop is full (" + mailboxCapacity + " tasks)"));
    }
    return result;
  }

  private static void checkName(String what, String value, int min, int max) {
    int len = value.codePointCount(0, value.length());
    if (len < min || len > max || value.isBlank()) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT,
          what + " length out of range: " + len + " (expected: " + min + ".." + max + ", not blank)");
    }
  }
}
