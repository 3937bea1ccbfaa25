package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import dev.concord.protocol.Intents;
import dev.concord.protocol.SnowflakeGenerator;
import io.grpc.Deadline;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.util.RawValue;
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
  private static final Logger log = LoggerFactory.getLogger(GuildHost.class);
  /** Messages a re-joining session catches up on at most (older ones: the history API). */
  public static final int MAX_CATCH_UP = 500;
  public static final int MAX_CONTENT_LENGTH = 2000;
  public static final int MAX_NAME_LENGTH = 100;

  /**
   * What a session gets from joining: the GUILD_CREATE for it, the seq and the newest message id
   * it covers, and for a re-join the MESSAGE_CREATE payloads it missed (oldest first).
   */
  public record JoinResult(
      long snapshotSeq, byte[] guildCreateJson, long[] hiddenChannelIds, long snapshotMessageId, List<byte[]> catchUp) {}

  /**
   * A guild on this pod: its loop, its state (loaded from the store by the activation), and
   * whether it is loaded. Once {@code evicted} (ownership lost, or a write failed so that the
   * memory went ahead of the store) it is out of the map and a later call loads a fresh one.
   */
  static final class Active {
    final long guildId;
    final GuildEventLoop loop;
    /** Written once by the activation before {@link #activation} completes; read on the loop. */
    volatile @Nullable GuildState state;
    /** Completed once loaded; null while dormant (nobody asked for it since passivation). */
    volatile @Nullable CompletableFuture<Void> activation;
    volatile boolean evicted;

    Active(long guildId, GuildEventLoop loop, @Nullable GuildState state) {
      this.guildId = guildId;
      this.loop = loop;
      this.state = state;
      this.activation = state != null ? CompletableFuture.completedFuture(null) : null;
    }

    GuildEventLoop loop() {
      return loop;
    }

    GuildState state() {
      GuildState g = state;
      if (g == null) {
        throw new IllegalStateException("guild " + Long.toUnsignedString(guildId) + " used before activation");
      }
      return g;
    }

    boolean isActive() {
      CompletableFuture<Void> a = activation;
      return a != null && a.isDone() && !a.isCompletedExceptionally();
    }
  }

  private GuildLoader loader;
  private java.util.concurrent.Executor activationPool = Runnable::run;
  private java.util.concurrent.Executor readPool = Runnable::run;

  /**
   * Where store reads for callers run (re-join catch-up, history): a bounded pool, so that a burst
   * of them is refused (RESOURCE_EXHAUSTED) instead of queueing behind activations.
   */
  public GuildHost withReads(java.util.concurrent.Executor pool) {
    this.readPool = pool;
    return this;
  }
  private JoinAdmission admission = new JoinAdmission(Integer.MAX_VALUE, 1000);

  /**
   * Sets how guilds activate: {@code loader} runs on {@code pool} (whose size bounds concurrent
   * activations), and calls waiting for an activation are bounded by {@code admission}.
   */
  public GuildHost withActivation(GuildLoader loader, java.util.concurrent.Executor pool, JoinAdmission admission) {
    this.loader = loader;
    this.activationPool = pool;
    this.admission = admission;
    return this;
  }

  public JoinAdmission admission() {
    return admission;
  }

  /**
   * Forgets every active guild (benchmarks: a cold pod): the next call to each loads it from the
   * store again. Its subscribers are not told; use on a pod without sessions.
   */
  public void passivateAll() {
    for (Active a : List.copyOf(guilds.values())) {
      a.evicted = true;
      guilds.remove(a.guildId, a);
    }
  }

  private CompletableFuture<Void> activate(Active a) {
    synchronized (a) {
      CompletableFuture<Void> f = a.activation;
      if (f != null && !f.isCompletedExceptionally()) {
        return f;
      }
      if (a.evicted || guilds.get(a.guildId) != a) {
        // a copy that left the map (its load failed, or it was evicted): never load it again, or a
        // session could subscribe to a copy nobody writes through
        return CompletableFuture.failedFuture(
            new GuildException(GuildException.Kind.UNAVAILABLE, "guild " + Long.toUnsignedString(a.guildId) + " is reloading; retry"));
      }
      CompletableFuture<Void> started = new CompletableFuture<>();
      a.activation = started;
      activationPool.execute(
          () -> {
            long t0 = System.nanoTime();
            try {
              GuildState loaded = loader.load(a.guildId);
              if (loaded == null) {
                a.evicted = true;
                guilds.remove(a.guildId, a);
                started.completeExceptionally(
                    new GuildException(GuildException.Kind.NOT_FOUND, "unknown guild: " + Long.toUnsignedString(a.guildId)));
                return;
              }
              // ids made here sort after every stored message, whatever this pod's clock says
              ids.advancePast(loaded.loadedMaxMessageId);
              a.state = loaded;
              admission.activated(System.nanoTime() - t0);
              started.complete(null);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              started.completeExceptionally(new GuildException(GuildException.Kind.RESOURCE_EXHAUSTED, "activation interrupted"));
            } catch (RuntimeException e) {
              log.warn("activation of guild {} failed", Long.toUnsignedString(a.guildId), e);
              a.evicted = true;
              guilds.remove(a.guildId, a);
              started.completeExceptionally(
                  new GuildException(GuildException.Kind.UNAVAILABLE, "guild " + Long.toUnsignedString(a.guildId) + " could not be loaded; retry"));
            }
          });
      return started;
    }
  }

  private final ConcurrentHashMap<Long, Active> guilds = new ConcurrentHashMap<>();
  private final GuildStore store;
  private final GuildJournal journal;
  private final Users users;
  private final Payloads payloads;
  private final SnowflakeGenerator ids;
  private final Executor loopPool;
  private final Fanout fanout;
  private final Ownership ownership;
  private final int mailboxCapacity;
  private final Clock clock;

  public GuildHost(
      GuildStore store,
      GuildJournal journal,
      Users users,
      Payloads payloads,
      SnowflakeGenerator ids,
      Executor loopPool,
      Fanout fanout,
      Ownership ownership,
      int mailboxCapacity,
      Clock clock) {
    this.store = store;
    this.journal = journal;
    this.users = users;
    this.payloads = payloads;
    this.loader = new GuildLoader.FromStore(store, users, Long.parseLong(Payloads.EVERYONE_PERMISSIONS), 0);
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
    users.get(ownerId);
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
    GuildState state = new GuildState(id, name, ownerId, Long.parseLong(Payloads.EVERYONE_PERMISSIONS), 1);
    Active active = new Active(id, new GuildEventLoop("guild-" + id, loopPool, mailboxCapacity), state);
    guilds.put(id, active);
    return run(
        active,
        null,
        g -> {
          long now = clock.millis();
          g.members.put(ownerId, new GuildState.Member(ownerId, now));
          g.membersChanged();
          g.stepWrites.add(new GuildStore.NewGuild(id, name, ownerId, g.epoch));
          g.stepWrites.add(new GuildStore.MemberRow(id, ownerId, Instant.ofEpochMilli(now), List.of()));
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
          g.membersChanged();
          g.stepWrites.add(new GuildStore.MemberRow(guildId, userId, Instant.ofEpochMilli(m.joinedAtMs()), List.of()));
          ObjectNode d = payloads.member(m, user, true);
          d.put("guild_id", Long.toUnsignedString(guildId));
          emit(g, "GUILD_MEMBER_ADD", payloads.bytes(d), Intents.GUILD_MEMBERS);
          return m;
        });
  }

  public CompletableFuture<GuildState.Channel> createChannel(long guildId, String name, String topic) {
    return createChannel(guildId, name, topic, List.of());
  }

  public CompletableFuture<GuildState.Channel> createChannel(
      long guildId, String name, String topic, List<GuildState.Overwrite> overwrites) {
    if (overwrites.size() > 100) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, "too many overwrites: " + overwrites.size() + " (expected: <= 100)");
    }
    checkName("channel name", name, 1, MAX_NAME_LENGTH);
    checkText("topic", topic);
    if (topic.length() > 1024) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, "topic too long: " + topic.length() + " chars (expected: <= 1024)");
    }
    long id = ids.next();
    return call(
        guildId,
        null,
        g -> {
          for (GuildState.Overwrite o : overwrites) {
            checkOverwrite(g, o);
          }
          GuildState.Channel c = new GuildState.Channel(id, name, topic, 0, g.channels.size(), List.copyOf(overwrites));
          g.channels.put(id, c);
          g.stepWrites.add(new GuildStore.ChannelRow(id, guildId, name, topic, 0, c.position()));
          for (GuildState.Overwrite o : overwrites) {
            g.stepWrites.add(new GuildStore.OverwriteRow(id, o.id(), o.type(), o.allow(), o.deny()));
          }
          g.channelsChanged();
          // Those who cannot see the new channel learn so before its CHANNEL_CREATE passes them.
          refreshVisibility(g, u -> true);
          emit(g, "CHANNEL_CREATE", payloads.bytes(payloads.channel(guildId, c)), Intents.GUILDS, id);
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
    checkText("content", content);
    checkText("nonce", nonce);
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
            throw unknownChannel(guildId, channelId);
          }
          GuildState.Member member = g.members.get(authorId);
          if (member == null) {
            throw notAMember(GuildException.Kind.PERMISSION_DENIED, authorId, guildId);
          }
          GuildState.Channel channel = g.channels.get(channelId);
          long perms = Permissions.inChannel(g, member, channel);
          if ((perms & Permissions.VIEW_CHANNEL) == 0 || (perms & Permissions.SEND_MESSAGES) == 0) {
            throw new GuildException(
                GuildException.Kind.PERMISSION_DENIED,
                "user " + Long.toUnsignedString(authorId) + " may not send messages in channel " + Long.toUnsignedString(channelId));
          }
          long id = ids.next();
          long ts = SnowflakeGenerator.timestamp(id).toEpochMilli();
          byte[] payload =
              payloads.bytes(payloads.message(id, guildId, channelId, author, member, content, ts, nonce));
          g.stepWrites.add(new GuildStore.MessageRow(id, channelId, guildId, authorId, content, nonce, Instant.ofEpochMilli(ts)));
          // Recipients that cannot view the channel skip it on their session worker.
          g.seq++;
          g.stepSends.add(fanout.publish(g, "MESSAGE_CREATE", payload, Intents.GUILD_MESSAGES, channelId, id));
          return new CreatedMessage(id, ts);
        });
  }

  public CompletableFuture<GuildState.Role> createRole(long guildId, String name, long permissions) {
    checkName("role name", name, 1, MAX_NAME_LENGTH);
    long id = ids.next();
    return call(
        guildId,
        null,
        g -> {
          if (g.roles.size() >= 250) {
            throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, "too many roles (expected: <= 250)");
          }
          GuildState.Role r = new GuildState.Role(id, name, permissions, g.roles.size());
          g.roles.put(id, r);
          g.stepWrites.add(new GuildStore.RoleRow(id, guildId, name, permissions, r.position()));
          ObjectNode d = payloads.json().createObjectNode();
          d.put("guild_id", Long.toUnsignedString(guildId));
          d.set("role", payloads.role(r));
          emit(g, "GUILD_ROLE_CREATE", payloads.bytes(d), Intents.GUILDS);
          return r;
        });
  }

  public CompletableFuture<GuildState.Member> addMemberRole(long guildId, long userId, long roleId) {
    Users.User user = users.get(userId);
    return call(
        guildId,
        null,
        g -> {
          GuildState.Member m = g.members.get(userId);
          if (m == null) {
            throw notAMember(GuildException.Kind.NOT_FOUND, userId, guildId);
          }
          if (roleId == guildId || !g.roles.containsKey(roleId)) {
            throw new GuildException(
                GuildException.Kind.NOT_FOUND, "unknown role " + Long.toUnsignedString(roleId) + " (or @everyone, which every member has)");
          }
          java.util.Set<Long> roles = new java.util.LinkedHashSet<>(m.roles());
          roles.add(roleId);
          GuildState.Member updated = new GuildState.Member(userId, m.joinedAtMs(), java.util.Set.copyOf(roles));
          g.members.put(userId, updated);
          g.membersChanged();
          if (!m.roles().contains(roleId)) {
            g.stepWrites.add(new GuildStore.MemberRoleRow(guildId, userId, roleId));
          }
          refreshVisibility(g, u -> u == userId);
          ObjectNode d = payloads.member(updated, user, true);
          d.put("guild_id", Long.toUnsignedString(guildId));
          emit(g, "GUILD_MEMBER_UPDATE", payloads.bytes(d), Intents.GUILD_MEMBERS);
          return updated;
        });
  }

  public CompletableFuture<GuildState.Channel> setChannelPermission(
      long guildId, long channelId, GuildState.Overwrite overwrite) {
    return call(
        guildId,
        null,
        g -> {
          GuildState.Channel c = g.channels.get(channelId);
          if (c == null) {
            throw unknownChannel(guildId, channelId);
          }
          checkOverwrite(g, overwrite);
          GuildState.Channel updated = c.withOverwrite(overwrite);
          g.channels.put(channelId, updated);
          g.stepWrites.add(new GuildStore.OverwriteRow(channelId, overwrite.id(), overwrite.type(), overwrite.allow(), overwrite.deny()));
          g.channelsChanged();
          refreshVisibility(g, u -> true);
          emit(g, "CHANNEL_UPDATE", payloads.bytes(payloads.channel(guildId, updated)), Intents.GUILDS, channelId);
          return updated;
        });
  }

  private static void checkOverwrite(GuildState g, GuildState.Overwrite o) {
    if (o.type() == Permissions.ROLE && !g.roles.containsKey(o.id())) {
      throw new GuildException(GuildException.Kind.NOT_FOUND, "overwrite for unknown role " + Long.toUnsignedString(o.id()));
    }
    if (o.type() != Permissions.ROLE && o.type() != Permissions.MEMBER) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, "overwrite type out of range: " + o.type() + " (expected: 0 role, 1 member)");
    }
  }

  /**
   * Subscribes a session and snapshots the guild for it in the same loop step: every later event
   * has a seq above {@link JoinResult#snapshotSeq()} and is fanned out to the session.
   *
   * <p>With {@code sinceMessageId != 0} (a re-join after the guild moved) the result also
   * carries the durable messages with {@code sinceMessageId < id <= snapshotMessageId} in channels
   * the member can view. The join then waits until every earlier write of the guild is durable, so
   * none of those messages can be missing from the store when it is read.
   */
  public CompletableFuture<JoinResult> join(
      long guildId,
      String sessionId,
      long sessionKey,
      long userId,
      String podId,
      long intents,
      int largeThreshold,
      long sinceMessageId,
      @Nullable Deadline deadline) {
    boolean catchUp = sinceMessageId != 0 && Intents.permits(intents, Intents.GUILD_MESSAGES);
    CompletableFuture<JoinResult> joined =
        call(
            guildId,
            deadline,
            g -> {
              GuildState.Member self = g.members.get(userId);
              if (self == null) {
                throw notAMember(GuildException.Kind.PERMISSION_DENIED, userId, guildId);
              }
              g.subscribe(new GuildState.Subscriber(sessionId, sessionKey, userId, podId, intents));
              long[] hidden = hiddenChannels(g, self);
              g.hiddenBySession.put(sessionId, hidden);
              // Every message created later on this pod gets a larger id (one generator, one loop);
              // earlier owners' messages are older.
              long snapshotMessageId = ids.next();
              if (catchUp) {
                g.stepSends.add(() -> {}); // an ordering barrier in the journal: no writes, no events
              }
              return new JoinResult(
                  g.seq, payloads.bytes(guildCreate(g, self, intents, largeThreshold, hidden)), hidden, snapshotMessageId, List.of());
            });
    if (!catchUp) {
      return joined;
    }
    return joined
        .thenApplyAsync(
            r -> {
              if (deadline != null && deadline.isExpired()) {
                // the session gave up (it will retry): reading for it would only add load
                throw new GuildException(GuildException.Kind.RESOURCE_EXHAUSTED, "deadline passed before the catch-up read");
              }
              return new PendingCatchUp(r, store.guildMessages(guildId, sinceMessageId, r.snapshotMessageId(), MAX_CATCH_UP));
            },
            readPool)
        .thenCompose(p -> p.rows().isEmpty() ? CompletableFuture.completedFuture(p.result()) : renderCatchUp(guildId, p));
  }

  private record PendingCatchUp(JoinResult result, List<GuildStore.MessageRow> rows) {}

  /** The missed messages as MESSAGE_CREATE payloads, rendered on the guild's loop (members). */
  private CompletableFuture<JoinResult> renderCatchUp(long guildId, PendingCatchUp p) {
    JoinResult r = p.result();
    return call(
        guildId,
        null,
        g -> {
          List<byte[]> out = new ArrayList<>(p.rows().size());
          for (GuildStore.MessageRow m : p.rows()) {
            if (java.util.Arrays.binarySearch(r.hiddenChannelIds(), m.channelId()) >= 0) {
              continue;
            }
            Users.User author = users.get(m.authorId());
            out.add(
                payloads.bytes(
                    payloads.message(
                        m.id(),
                        guildId,
                        m.channelId(),
                        author,
                        g.members.get(m.authorId()),
                        m.content(),
                        m.createdAt().toEpochMilli(),
                        m.nonce() == null ? "" : m.nonce())));
          }
          return new JoinResult(r.snapshotSeq(), r.guildCreateJson(), r.hiddenChannelIds(), r.snapshotMessageId(), out);
        });
  }

  /**
   * A channel's history from the store, newest first (Discord's order), after checking on the
   * guild's loop that the channel is the guild's.
   */
  public CompletableFuture<List<GuildStore.MessageRow>> messages(long guildId, long channelId, long before, long after, int limit) {
    if (limit < 1 || limit > 100) {
      throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, "limit out of range: " + limit + " (expected: 1..100)");
    }
    return call(
            guildId,
            null,
            g -> {
              if (!g.channels.containsKey(channelId)) {
                throw unknownChannel(guildId, channelId);
              }
              // an ordering barrier: the read below sees every write acknowledged before this call
              g.stepSends.add(() -> {});
              return channelId;
            })
        .thenApplyAsync(c -> store.messages(c, before, after, limit), readPool);
  }

  /**
   * Takes a guild out of this pod's memory: its state went ahead of the store (a write failed or
   * was fenced) or the ring gave it to another pod. The next call loads it again from the store.
   * With {@code tellSessions}, its subscribers get a _REJOIN event (after every event already
   * sent) and join again on the ring's owner.
   */
  private void evict(Active a, boolean tellSessions) {
    synchronized (a) {
      if (a.evicted) {
        return;
      }
      a.evicted = true;
    }
    guilds.remove(a.guildId, a);
    if (!tellSessions) {
      return;
    }
    boolean queued =
        a.loop.submitControl(
            () -> {
              GuildState g = a.state;
              if (g != null && !g.subscribers.isEmpty()) {
                g.seq++;
                fanout.rejoin(g).run();
              }
            });
    if (!queued) {
      log.warn("guild {} evicted but its loop is gone: its sessions are not told", Long.toUnsignedString(a.guildId));
    }
  }

  /**
   * The ring changed: forgets every guild this pod no longer owns, so that if the ring gives one
   * back later it is loaded again from the store (with what the other owner wrote meanwhile)
   * instead of reusing this stale copy. Its sessions re-join on the new owner by their own ring.
   */
  public void ringChanged() {
    for (Active a : List.copyOf(guilds.values())) {
      if (!ownership.owns(a.guildId)) {
        evict(a, false);
      }
    }
  }

  public CompletableFuture<Boolean> leave(long guildId, String sessionId) {
    Active a = guilds.get(guildId);
    if (a == null || !a.isActive()) {
      // not loaded here: nobody is subscribed to it on this pod
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

  private ObjectNode guildCreate(
      GuildState g, GuildState.Member self, long intents, int largeThreshold, long[] hidden) {
    ObjectNode n = payloads.guildBase(g);
    int memberCount = g.members.size();
    boolean large = memberCount > largeThreshold;
    n.put("joined_at", Payloads.iso(self.joinedAtMs()));
    n.put("large", large);
    n.put("unavailable", false);
    n.put("member_count", memberCount);
    n.putArray("voice_states");
    if (large) {
      n.putArray("members").add(payloads.member(self, users.get(self.userId()), true));
    } else {
      if (g.membersJson == null) {
        ArrayNode all = payloads.array();
        for (GuildState.Member m : g.members.values()) {
          all.add(payloads.member(m, users.get(m.userId()), true));
        }
        g.membersJson = payloads.json().writeValueAsString(all);
      }
      n.putRawValue("members", new RawValue(g.membersJson));
    }
    if (hidden.length == 0) {
      if (g.channelsJson == null) {
        ArrayNode all = payloads.array();
        for (GuildState.Channel c : g.channels.values()) {
          all.add(payloads.channel(g.id, c));
        }
        g.channelsJson = payloads.json().writeValueAsString(all);
      }
      n.putRawValue("channels", new RawValue(g.channelsJson));
    } else {
      ArrayNode channels = n.putArray("channels");
      for (GuildState.Channel c : g.channels.values()) {
        if (java.util.Arrays.binarySearch(hidden, c.id()) < 0) {
          channels.add(payloads.channel(g.id, c));
        }
      }
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
    emit(g, type, payload, requiredIntents, 0);
  }

  private void emit(GuildState g, String type, byte[] payload, long requiredIntents, long channelId) {
    g.seq++;
    g.stepSends.add(fanout.publish(g, type, payload, requiredIntents, channelId, 0));
  }

  /** The channels {@code m} cannot view, sorted. */
  private static long[] hiddenChannels(GuildState g, GuildState.Member m) {
    return g.channels.values().stream()
        .filter(c -> !Permissions.canView(g, m, c))
        .mapToLong(GuildState.Channel::id)
        .sorted()
        .toArray();
  }

  /**
   * After a permission change: tells each subscribed session of {@code userFilter}'s members whose
   * set of hidden channels changed its new set, in order with the guild's events. Costs one
   * permission check per (session, channel) on the loop, but only on permission changes.
   */
  private void refreshVisibility(GuildState g, java.util.function.LongPredicate userFilter) {
    for (GuildState.Subscriber sub : List.copyOf(g.subscribers.values())) {
      if (!userFilter.test(sub.userId())) {
        continue;
      }
      GuildState.Member m = g.members.get(sub.userId());
      long[] hidden = m == null ? new long[0] : hiddenChannels(g, m);
      long[] before = g.hiddenBySession.get(sub.sessionId());
      if (before == null || !java.util.Arrays.equals(before, hidden)) {
        g.hiddenBySession.put(sub.sessionId(), hidden);
        g.seq++;
        g.stepSends.add(fanout.visibility(g, sub, hidden));
      }
    }
  }

  private <T> CompletableFuture<T> call(long guildId, @Nullable Deadline deadline, Function<GuildState, T> fn) {
    if (!ownership.owns(guildId)) {
      Active stale = guilds.get(guildId);
      if (stale != null) {
        evict(stale, false);
      }
      throw GuildException.wrongOwner(guildId, ownership.ringVersion(), ownership.ownerOf(guildId));
    }
    // Not active here: load it from the store (NOT_FOUND if the store has no such guild).
    Active a = guilds.computeIfAbsent(guildId, id -> new Active(id, new GuildEventLoop("guild-" + id, loopPool, mailboxCapacity), null));
    if (a.isActive()) {
      return run(a, deadline, fn);
    }
    if (deadline != null && deadline.isExpired()) {
      throw new GuildException(GuildException.Kind.RESOURCE_EXHAUSTED, "deadline passed before activation");
    }
    // Dormant: wait for the activation, within the admission bound (refused at once beyond it).
    admission.enter();
    CompletableFuture<T> result = activate(a).thenCompose(v -> run(a, deadline, fn));
    result.whenComplete((r, e) -> admission.exit());
    return result;
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
                  long guildId = a.guildId;
                  if (!ownership.owns(guildId)) {
                    // The ring moved the guild away while this task waited: the new owner applies
                    // its events from now on, never both (its claim fences our writes anyway).
                    evict(a, false);
                    result.completeExceptionally(
                        GuildException.wrongOwner(guildId, ownership.ringVersion(), ownership.ownerOf(guildId)));
                    return;
                  }
                  if (a.evicted) {
                    result.completeExceptionally(
                        new GuildException(GuildException.Kind.UNAVAILABLE, "guild " + Long.toUnsignedString(guildId) + " is reloading; retry"));
                    return;
                  }
                  GuildState g = a.state;
                  if (g == null) {
                    result.completeExceptionally(
                        new GuildException(GuildException.Kind.UNAVAILABLE, "guild " + Long.toUnsignedString(guildId) + " is loading; retry"));
                    return;
                  }
                  if (!journal.reserve()) {
                    result.completeExceptionally(
                        new GuildException(GuildException.Kind.RESOURCE_EXHAUSTED, "guild pod write queue is full; retry"));
                    return;
                  }
                  T value;
                  try {
                    value = fn.apply(g);
                  } catch (RuntimeException e) {
                    g.stepWrites.clear();
                    g.stepSends.clear();
                    journal.release();
                    result.completeExceptionally(e);
                    return;
                  }
                  if (g.stepWrites.isEmpty() && g.stepSends.isEmpty()) {
                    journal.release();
                    result.complete(value);
                    return;
                  }
                  // Durable first, then the events (in the guild's order), then the caller's ack.
                  List<GuildStore.Write> writes = List.copyOf(g.stepWrites);
                  Runnable[] sends = g.stepSends.toArray(new Runnable[0]);
                  g.stepWrites.clear();
                  g.stepSends.clear();
                  journal.append(
                      new GuildJournal.Entry(
                          guildId,
                          g.epoch,
                          writes,
                          () -> {
                            for (Runnable send : sends) {
                              send.run();
                            }
                            result.complete(value);
                          },
                          error -> {
                            evict(a, true);
                            result.completeExceptionally(error);
                          }));
                });
    if (!accepted) {
      result.completeExceptionally(
          new GuildException(
              GuildException.Kind.RESOURCE_EXHAUSTED,
              "guild " + Long.toUnsignedString(a.guildId) + " event loop is full (" + mailboxCapacity + " tasks)"));
    }
    return result;
  }

  private static GuildException unknownChannel(long guildId, long channelId) {
    return new GuildException(
        GuildException.Kind.NOT_FOUND,
        "unknown channel " + Long.toUnsignedString(channelId) + " in guild " + Long.toUnsignedString(guildId));
  }

  private static GuildException notAMember(GuildException.Kind kind, long userId, long guildId) {
    return new GuildException(kind, "user " + Long.toUnsignedString(userId) + " is not a member of guild " + Long.toUnsignedString(guildId));
  }

  /** PostgreSQL cannot store NUL in text: refused as bad input, never as a failed commit. */
  private static void checkText(String what, String value) {
    if (value.indexOf('\u0000') >= 0) {
      throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, what + " contains a NUL character (expected: none)");
    }
  }

  private static void checkName(String what, String value, int min, int max) {
    checkText(what, value);
    int len = value.codePointCount(0, value.length());
    if (len < min || len > max || value.isBlank()) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT,
          what + " length out of range: " + len + " (expected: " + min + ".." + max + ", not blank)");
    }
  }
}
