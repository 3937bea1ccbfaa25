package dev.concord.session.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.concord.proto.guild.v1.JoinResponse;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.proto.guild.v1.User;
import dev.concord.proto.session.v1.Identify;
import dev.concord.fanout.RelayWorkers;
import dev.concord.protocol.Intents;
import dev.concord.testkit.Await;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SessionManagerTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final long GUILD = 1L << 40;

  /** Guild port whose answers the test completes by hand. */
  static final class ManualGuilds implements GuildPort {
    final CompletableFuture<User> user = new CompletableFuture<>();
    final ConcurrentHashMap<Long, CompletableFuture<JoinResponse>> joins = new ConcurrentHashMap<>();
    final List<Long> left = new CopyOnWriteArrayList<>();
    /** Re-joins (since != 0), in order: the since value and the answer the test gives. */
    final List<Long> rejoinSince = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<JoinResponse>> rejoins = new CopyOnWriteArrayList<>();
    volatile String pod = "guild-0";
    /** Answers relayIntact with false while set (the relay broke before the answer was used). */
    volatile boolean relayBroken;

    @Override
    public boolean relayIntact(Joined joined) {
      return !relayBroken;
    }

    @Override
    public CompletableFuture<User> user(long userId) {
      return user;
    }

    @Override
    public CompletableFuture<Joined> join(long guildId, Session session, long since) {
      String answeredBy = pod;
      if (since != 0) {
        CompletableFuture<JoinResponse> f = new CompletableFuture<>();
        rejoins.add(f);
        rejoinSince.add(since);
        return f.thenApply(r -> new Joined(r, answeredBy));
      }
      return joins.computeIfAbsent(guildId, g -> new CompletableFuture<>()).thenApply(r -> new Joined(r, answeredBy));
    }

    @Override
    public void leave(long guildId, String sessionId) {
      left.add(guildId);
    }
  }

  /** A connection that is its own link: shared dispatches are expanded into frames. */
  static final class RecordingConnection implements Connection, LinkSink {
    final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    volatile int closedWith;

    @Override
    public long id() {
      return 1;
    }

    @Override
    public LinkSink link() {
      return this;
    }

    @Override
    public boolean sendShared(String type, ByteString payload, long[] ids, long[] seqs, int n) {
      assertThat(n).isEqualTo(1);
      assertThat(ids[0]).isEqualTo(1);
      frames.add(
          JSON.readTree(
              "{\"op\":0,\"s\":" + seqs[0] + ",\"t\":\"" + type + "\",\"d\":" + payload.toStringUtf8() + "}"));
      return true;
    }

    @Override
    public boolean send(ByteString frame) {
      frames.add(JSON.readTree(frame.toByteArray()));
      return true;
    }

    @Override
    public void close(int code, String reason) {
      closedWith = code;
    }
  }

  static final class NoPresence implements PresencePort {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void update(long userId, String sessionId, String status, String platform, String activitiesJson, Collection<Long> guildIds) {
      calls.add("update " + status + " " + platform);
    }

    @Override
    public void end(long userId, String sessionId, Collection<Long> guildIds) {
      calls.add("end");
    }
  }

  private final RelayWorkers workers = new RelayWorkers(2, 1000);
  private final ManualGuilds guilds = new ManualGuilds();
  private final NoPresence presence = new NoPresence();
  private final SessionManager manager = new SessionManager("pod-a", workers, guilds, presence, 4);

  @AfterEach
  void stop() {
    workers.close();
  }

  private static void awaitFrames(RecordingConnection c, int n) throws InterruptedException {
    Await.until(() -> c.frames.size() >= n, n + " frames (got " + c.frames + ")");
  }

  /** Returns once every task queued on the workers before this call has run. */
  private void awaitWorkersIdle() throws InterruptedException {
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(workers.count());
    for (int w = 0; w < workers.count(); w++) {
      assertThat(workers.execute(w, done::countDown)).isTrue();
    }
    assertThat(done.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
  }

  private static RelayEvent event(Session session, long seq, String type, long intents) {
    return RelayEvent.newBuilder()
        .setGuildId(GUILD)
        .setGuildSeq(seq)
        .setType(type)
        .setPayload(ByteString.copyFromUtf8("{\"n\":" + seq + "}"))
        .addSessionKeys(session.key())
        .setRequiredIntents(intents)
        .build();
  }

  private Session identified(RecordingConnection conn, long intents) throws InterruptedException {
    Session s =
        manager.identify(
            Identify.newBuilder().setUserId(42).setIntents(intents).setBrowser("test").setResumeGatewayUrl("ws://x").build(), conn);
    guilds.user.complete(User.newBuilder().setId(42).setUsername("alice").addGuildIds(GUILD).build());
    awaitFrames(conn, 1);
    return s;
  }

  @Test
  void eventsDuringJoin_heldThenReleasedAfterGuildCreate_snapshotCoveredDropped() throws Exception {
    RecordingConnection conn = new RecordingConnection();
    Session s = identified(conn, Intents.GUILDS | Intents.GUILD_MESSAGES);
    JsonNode ready = conn.frames.get(0);
    assertThat(ready.path("t").asString()).isEqualTo("READY");
    assertThat(ready.path("s").asLong()).isEqualTo(1);
    assertThat(ready.path("d").path("guilds").get(0).path("unavailable").asBoolean()).isTrue();

    manager.onRelayEvent(event(s, 5, "MESSAGE_CREATE", Intents.GUILD_MESSAGES));
    manager.onRelayEvent(event(s, 6, "MESSAGE_CREATE", Intents.GUILD_MESSAGES));
    awaitWorkersIdle();
    assertThat(conn.frames).hasSize(1); // held: no GUILD_CREATE yet

    joinOf(GUILD).complete(
        JoinResponse.newBuilder().setSnapshotSeq(5).setGuildCreateJson(ByteString.copyFromUtf8("{\"id\":\"g\"}")).build());
    awaitFrames(conn, 3);
    assertThat(conn.frames.get(1).path("t").asString()).isEqualTo("GUILD_CREATE");
    assertThat(conn.frames.get(1).path("s").asLong()).isEqualTo(2);
    assertThat(conn.frames.get(2).path("d").path("n").asInt()).isEqualTo(6);
    assertThat(conn.frames.get(2).path("s").asLong()).isEqualTo(3);

    manager.onRelayEvent(event(s, 7, "MESSAGE_CREATE", Intents.GUILD_MESSAGES));
    awaitFrames(conn, 4);
    assertThat(conn.frames.get(3).path("s").asLong()).isEqualTo(4);
    awaitWorkersIdle();
    assertThat(conn.frames).hasSize(4);
  }

  @Test
  void eventWithoutIntent_skipped_seqNotConsumed() throws Exception {
    RecordingConnection conn = new RecordingConnection();
    Session s = identified(conn, Intents.GUILDS);
    joinOf(GUILD).complete(
        JoinResponse.newBuilder().setSnapshotSeq(0).setGuildCreateJson(ByteString.copyFromUtf8("{}")).build());
    awaitFrames(conn, 2);
    manager.onRelayEvent(event(s, 1, "PRESENCE_UPDATE", Intents.GUILD_PRESENCES));
    manager.onRelayEvent(event(s, 2, "CHANNEL_CREATE", Intents.GUILDS));
    awaitFrames(conn, 3);
    assertThat(conn.frames.get(2).path("t").asString()).isEqualTo("CHANNEL_CREATE");
    assertThat(conn.frames.get(2).path("s").asLong()).isEqualTo(3);
  }

  @Test
  void tooManyHeldEvents_sessionClosedResumable() throws Exception {
    RecordingConnection conn = new RecordingConnection();
    Session s = identified(conn, Intents.GUILD_MESSAGES);
    for (int i = 1; i <= 5; i++) { // bound is 4
      manager.onRelayEvent(event(s, i, "MESSAGE_CREATE", Intents.GUILD_MESSAGES));
    }
    // the worker closes the socket, then ends the session: wait for both (this saw the first alone)
    Await.until(() -> conn.closedWith != 0 && manager.sessionCount() == 0, "the connection closed and the session ended");
    assertThat(conn.closedWith).isEqualTo(4000);
  }

  @Test
  void aBotsSecondIdentifyInItsBucketsWindow_getsInvalidSession_andAUserDoesNot() throws Exception {
    manager.admission().identifyBuckets(2, java.time.Duration.ofMinutes(1));
    guilds.user.complete(User.newBuilder().setId(42).setUsername("shardbot").setBot(true).build());
    RecordingConnection shard0 = new RecordingConnection();
    RecordingConnection shard1 = new RecordingConnection();
    RecordingConnection shard2 = new RecordingConnection();
    manager.identify(Identify.newBuilder().setUserId(42).setIntents(Intents.GUILDS).setShardId(0).setShardCount(3).build(), shard0);
    manager.identify(Identify.newBuilder().setUserId(42).setIntents(Intents.GUILDS).setShardId(1).setShardCount(3).build(), shard1);
    // shard 2 falls in shard 0's bucket (2 % 2): of those two, the first looked up starts (the
    // lookups may run on different workers, so either), the other gets op 9
    manager.identify(Identify.newBuilder().setUserId(42).setIntents(Intents.GUILDS).setShardId(2).setShardCount(3).build(), shard2);
    Await.until(() -> !shard0.frames.isEmpty() && !shard1.frames.isEmpty() && !shard2.frames.isEmpty(), "every shard answered");
    assertThat(shard1.frames.getFirst().path("t").asString()).as("its own bucket").isEqualTo("READY");
    List<JsonNode> sameBucket = List.of(shard0.frames.getFirst(), shard2.frames.getFirst());
    assertThat(sameBucket).filteredOn(f -> f.path("t").asString("").equals("READY")).hasSize(1);
    JsonNode refused = sameBucket.stream().filter(f -> f.path("op").asInt() == 9).findFirst().orElseThrow();
    assertThat(refused.path("d").asBoolean()).isFalse();
    assertThat(shard0.closedWith + shard2.closedWith).as("the refused socket stays open to identify again").isZero();
    assertThat(manager.admission().tooSoon()).isEqualTo(1);
    Await.until(() -> manager.sessionCount() == 2, "the refused identify started no session");
  }

  @Test
  void usersHaveNoIdentifyBuckets() throws Exception {
    manager.admission().identifyBuckets(1, java.time.Duration.ofMinutes(1));
    guilds.user.complete(User.newBuilder().setId(42).setUsername("alice").build());
    RecordingConnection tab1 = new RecordingConnection();
    RecordingConnection tab2 = new RecordingConnection();
    manager.identify(Identify.newBuilder().setUserId(42).setIntents(Intents.GUILDS).build(), tab1);
    manager.identify(Identify.newBuilder().setUserId(42).setIntents(Intents.GUILDS).build(), tab2);
    Await.until(() -> !tab1.frames.isEmpty() && !tab2.frames.isEmpty(), "both answered");
    assertThat(tab2.frames.getFirst().path("t").asString()).isEqualTo("READY");
    assertThat(manager.admission().tooSoon()).isZero();
  }

  @Test
  void aUserPastItsSessionBound_isClosedRateLimited_untilOneOfItsSessionsEnds() throws Exception {
    manager.admission().maxSessionsPerUser(2);
    RecordingConnection first = new RecordingConnection();
    Session one = identified(first, Intents.GUILDS);
    RecordingConnection second = new RecordingConnection();
    assertThat(identified(second, Intents.GUILDS)).isNotNull();
    RecordingConnection third = new RecordingConnection();
    assertThat(manager.identify(Identify.newBuilder().setUserId(42).setIntents(Intents.GUILDS).build(), third)).isNull();
    assertThat(third.closedWith).isEqualTo(4008);
    assertThat(manager.admission().tooManySessions()).isEqualTo(1);
    assertThat(manager.sessionCount()).isEqualTo(2);
    // another user is not affected
    RecordingConnection other = new RecordingConnection();
    assertThat(manager.identify(Identify.newBuilder().setUserId(43).setIntents(Intents.GUILDS).build(), other)).isNotNull();
    // one of the user's sessions ends: it may identify again
    manager.disconnected(one, first, 1000);
    Await.until(() -> manager.sessionCount() == 2, "the first session ended");
    RecordingConnection again = new RecordingConnection();
    assertThat(manager.identify(Identify.newBuilder().setUserId(42).setIntents(Intents.GUILDS).build(), again)).isNotNull();
    assertThat(again.closedWith).isZero();
  }

  @Test
  void disconnect_leavesGuildsAndEndsPresence() throws Exception {
    RecordingConnection conn = new RecordingConnection();
    Session s = identified(conn, Intents.GUILDS);
    manager.disconnected(s, conn, 1000);
    Await.until(() -> !guilds.left.isEmpty(), "the guild left");
    assertThat(guilds.left).containsExactly(GUILD);
    assertThat(presence.calls).contains("update online desktop", "end");
    assertThat(manager.sessionCount()).isZero();
  }

  @Test
  void unknownUser_closes4004() throws Exception {
    RecordingConnection conn = new RecordingConnection();
    manager.identify(Identify.newBuilder().setUserId(7).build(), conn);
    guilds.user.completeExceptionally(new IllegalStateException("NOT_FOUND"));
    Await.until(() -> conn.closedWith != 0, "the connection closed");
    assertThat(conn.closedWith).isEqualTo(4004);
  }

  @Test
  void hiddenChannels_skipped_untilVisibilityEventShowsThem() throws Exception {
    RecordingConnection conn = new RecordingConnection();
    Session s = identified(conn, Intents.GUILD_MESSAGES);
    long secret = 77;
    joinOf(GUILD).complete(
        JoinResponse.newBuilder()
            .setSnapshotSeq(0)
            .setGuildCreateJson(ByteString.copyFromUtf8("{}"))
            .addHiddenChannelIds(secret)
            .build());
    awaitFrames(conn, 2);
    manager.onRelayEvent(event(s, 1, "MESSAGE_CREATE", Intents.GUILD_MESSAGES).toBuilder().setChannelId(secret).build());
    manager.onRelayEvent(
        RelayEvent.newBuilder().setGuildId(GUILD).setGuildSeq(2).setType("_VISIBILITY").addSessionKeys(s.key()).build());
    manager.onRelayEvent(event(s, 3, "MESSAGE_CREATE", Intents.GUILD_MESSAGES).toBuilder().setChannelId(secret).build());
    awaitFrames(conn, 3);
    awaitWorkersIdle();
    assertThat(conn.frames).hasSize(3);
    assertThat(conn.frames.get(2).path("d").path("n").asInt()).isEqualTo(3);
    assertThat(conn.frames.get(2).path("s").asLong()).isEqualTo(3);
  }

  @Test
  void oneGuildUnavailable_otherGuildsEventsFlow_lateGuildCreateWhenJoinSucceeds() throws Exception {
    long other = GUILD + 1;
    RecordingConnection conn = new RecordingConnection();
    Session s =
        manager.identify(
            Identify.newBuilder().setUserId(42).setIntents(Intents.GUILD_MESSAGES).setResumeGatewayUrl("ws://x").build(), conn);
    guilds.user.complete(User.newBuilder().setId(42).setUsername("alice").addGuildIds(GUILD).addGuildIds(other).build());
    awaitFrames(conn, 1);
    assertThat(conn.frames.get(0).path("d").path("guilds").size()).isEqualTo(2);
    joinOf(GUILD).complete(
        JoinResponse.newBuilder().setSnapshotSeq(0).setGuildCreateJson(ByteString.copyFromUtf8("{\"id\":\"a\"}")).build());
    awaitFrames(conn, 2);
    manager.onRelayEvent(event(s, 1, "MESSAGE_CREATE", Intents.GUILD_MESSAGES));
    awaitFrames(conn, 3);
    assertThat(conn.frames.get(2).path("t").asString()).isEqualTo("MESSAGE_CREATE");

    // the other guild's join succeeds later (after the bulkhead's retries): its GUILD_CREATE follows
    joinOf(other).complete(
        JoinResponse.newBuilder().setSnapshotSeq(0).setGuildCreateJson(ByteString.copyFromUtf8("{\"id\":\"b\"}")).build());
    awaitFrames(conn, 4);
    assertThat(conn.frames.get(3).path("t").asString()).isEqualTo("GUILD_CREATE");
    assertThat(conn.frames.get(3).path("d").path("id").asString()).isEqualTo("b");
    assertThat(conn.frames.get(3).path("s").asLong()).isEqualTo(4);
  }

  @Test
  void guildPodGone_sessionStaysConnected_rejoinsCatchesUpOnMissed_noDuplicates() throws Exception {
    RecordingConnection conn = new RecordingConnection();
    Session s =
        manager.identify(
            Identify.newBuilder().setUserId(42).setIntents(Intents.GUILD_MESSAGES).setResumeGatewayUrl("ws://x").build(), conn);
    guilds.user.complete(User.newBuilder().setId(42).setUsername("alice").addGuildIds(GUILD).build());
    awaitFrames(conn, 1);
    joinOf(GUILD).complete(
        JoinResponse.newBuilder().setSnapshotSeq(0).setSnapshotMessageId(100).setGuildCreateJson(ByteString.copyFromUtf8("{}")).build());
    awaitFrames(conn, 2);
    manager.onRelayEvent(event(s, 1, "MESSAGE_CREATE", Intents.GUILD_MESSAGES).toBuilder().setMessageId(105).build());
    awaitFrames(conn, 3);

    // guild-0 dies: its relay broke and the ring gives the guild to guild-1
    guilds.pod = "guild-1";
    manager.rejoinMoved("guild-0"::equals, g -> "guild-1");
    awaitFrames(conn, 4);
    assertThat(conn.frames.get(3).path("t").asString()).isEqualTo("GUILD_DELETE");
    assertThat(conn.frames.get(3).path("d").path("unavailable").asBoolean()).isTrue();
    awaitTrue(() -> guilds.rejoins.size() == 1);
    assertThat(guilds.rejoinSince).containsExactly(105L); // the newest message it saw
    // a late event of the dead owner's epoch arrives while re-joining: held, then dropped
    manager.onRelayEvent(event(s, 2, "MESSAGE_CREATE", Intents.GUILD_MESSAGES).toBuilder().setMessageId(106).build());
    long newEpochSeq = 2L << 32;
    guilds.rejoins.getFirst().complete(
        JoinResponse.newBuilder()
            .setSnapshotSeq(newEpochSeq)
            .setSnapshotMessageId(300)
            .setGuildCreateJson(ByteString.copyFromUtf8("{\"id\":\"again\"}"))
            .addCatchUpMessages(ByteString.copyFromUtf8("{\"id\":\"106\"}"))
            .addCatchUpMessages(ByteString.copyFromUtf8("{\"id\":\"201\",\"content\":\"secret\",\"author\":{\"id\":\"7\"}}"))
            .addCatchUpReactions(
                dev.concord.proto.guild.v1.CatchUpEvent.newBuilder()
                    .setType("MESSAGE_REACTION_ADD")
                    .setPayload(ByteString.copyFromUtf8("{\"message_id\":\"201\"}")))
            .build());
    manager.onRelayEvent(event(s, newEpochSeq + 1, "MESSAGE_CREATE", Intents.GUILD_MESSAGES).toBuilder().setMessageId(301).build());
    awaitFrames(conn, 9);
    assertThat(conn.frames.subList(4, 9)).extracting(f -> f.path("t").asString())
        .containsExactly("GUILD_CREATE", "MESSAGE_CREATE", "MESSAGE_CREATE", "MESSAGE_REACTION_ADD", "MESSAGE_CREATE");
    assertThat(conn.frames.get(5).path("d").path("id").asString()).isEqualTo("106");
    assertThat(conn.frames.get(6).path("d").path("id").asString()).isEqualTo("201");
    // no MESSAGE_CONTENT intent, not its author, not mentioned: caught up without the content
    assertThat(conn.frames.get(6).path("d").path("content").asString()).isEmpty();
    assertThat(conn.frames.get(7).path("d").path("message_id").asString()).isEqualTo("201");
    assertThat(conn.frames.get(8).path("d").path("n").asLong()).isEqualTo(newEpochSeq + 1);
    awaitWorkersIdle();
    assertThat(conn.frames).hasSize(9); // message 106 once (caught up), not also from the held event
    assertThat(conn.closedWith).isZero();
    assertThat(manager.rejoins()).isEqualTo(1);
  }

  @Test
  void relayBrokeWhileJoining_noGuildCreateFromThatJoin_rejoinCatchesUpFromItsSnapshot() throws Exception {
    RecordingConnection conn = new RecordingConnection();
    manager.identify(
        Identify.newBuilder().setUserId(42).setIntents(Intents.GUILD_MESSAGES).setResumeGatewayUrl("ws://x").build(), conn);
    guilds.user.complete(User.newBuilder().setId(42).setUsername("alice").addGuildIds(GUILD).build());
    awaitFrames(conn, 1);
    guilds.relayBroken = true;
    joinOf(GUILD).complete(
        JoinResponse.newBuilder().setSnapshotSeq(0).setSnapshotMessageId(100).setGuildCreateJson(ByteString.copyFromUtf8("{}")).build());
    awaitTrue(() -> guilds.rejoins.size() == 1);
    assertThat(guilds.rejoinSince).containsExactly(100L); // nothing before the first snapshot is owed
    assertThat(conn.frames).hasSize(1); // READY only: that join's GUILD_CREATE was not used
    guilds.relayBroken = false;
    guilds.rejoins.getFirst().complete(
        JoinResponse.newBuilder()
            .setSnapshotSeq(5)
            .setSnapshotMessageId(200)
            .setGuildCreateJson(ByteString.copyFromUtf8("{}"))
            .addCatchUpMessages(ByteString.copyFromUtf8("{\"id\":\"150\"}"))
            .build());
    awaitFrames(conn, 3);
    assertThat(conn.frames.subList(1, 3)).extracting(f -> f.path("t").asString()).containsExactly("GUILD_CREATE", "MESSAGE_CREATE");
  }

  /** The join the manager asked for (it asks on its worker, just after sending READY). */
  private CompletableFuture<JoinResponse> joinOf(long guild) throws InterruptedException {
    awaitTrue(() -> guilds.joins.containsKey(guild));
    return guilds.joins.get(guild);
  }

  private SessionManager managerWith(SessionManager.ResumePolicy policy) {
    return new SessionManager(
        "pod-a", workers, guilds, presence, 4, policy, java.util.concurrent.Executors.newSingleThreadScheduledExecutor());
  }

  private static void awaitTrue(java.util.function.BooleanSupplier c) throws InterruptedException {
    Await.until(c, "condition");
  }

  /** RESUME of {@code s} as {@code userId} from {@code seq} on a new connection, once it got {@code frames} frames. */
  private RecordingConnection resumeOn(SessionManager m, Session s, long userId, long seq, int frames) throws Exception {
    RecordingConnection c = new RecordingConnection();
    m.resume(dev.concord.proto.session.v1.Resume.newBuilder().setUserId(userId).setSessionId(s.id()).setSeq(seq).build(), c);
    awaitFrames(c, frames);
    return c;
  }

  private Session joinedSession(SessionManager m, RecordingConnection conn) throws Exception {
    Session s =
        m.identify(Identify.newBuilder().setUserId(42).setIntents(Intents.GUILD_MESSAGES).setResumeGatewayUrl("ws://x").build(), conn);
    guilds.user.complete(User.newBuilder().setId(42).setUsername("alice").addGuildIds(GUILD).build());
    awaitFrames(conn, 1);
    joinOf(GUILD).complete(
        JoinResponse.newBuilder().setSnapshotSeq(0).setGuildCreateJson(ByteString.copyFromUtf8("{}")).build());
    awaitFrames(conn, 2);
    return s;
  }

  @Test
  void lostSocket_staysResumable_resumeReplaysMissedThenResumedThenLive() throws Exception {
    SessionManager m = managerWith(new SessionManager.ResumePolicy(java.time.Duration.ofMinutes(1), 100, 1 << 20));
    RecordingConnection first = new RecordingConnection();
    Session s = joinedSession(m, first);
    assertThat(s.id()).endsWith(".pod-a");
    m.onRelayEvent(event(s, 1, "MESSAGE_CREATE", Intents.GUILD_MESSAGES));
    awaitFrames(first, 3); // READY, GUILD_CREATE, message 1 (s=3)

    m.disconnected(s, first, 1006); // socket lost, no close frame
    m.onRelayEvent(event(s, 2, "MESSAGE_CREATE", Intents.GUILD_MESSAGES));
    m.onRelayEvent(event(s, 3, "MESSAGE_CREATE", Intents.GUILD_MESSAGES));
    awaitWorkersIdle();
    assertThat(first.frames).hasSize(3);

    RecordingConnection second = new RecordingConnection();
    assertThat(m.resume(dev.concord.proto.session.v1.Resume.newBuilder().setUserId(42).setSessionId(s.id()).setSeq(3).build(), second))
        .isSameAs(s);
    awaitFrames(second, 3);
    assertThat(second.frames.get(0).path("s").asLong()).isEqualTo(4);
    assertThat(second.frames.get(0).path("d").path("n").asInt()).isEqualTo(2);
    assertThat(second.frames.get(1).path("s").asLong()).isEqualTo(5);
    assertThat(second.frames.get(2).path("t").asString()).isEqualTo("RESUMED");
    assertThat(second.frames.get(2).path("s").asLong()).isEqualTo(6);
    m.onRelayEvent(event(s, 4, "MESSAGE_CREATE", Intents.GUILD_MESSAGES));
    awaitFrames(second, 4);
    assertThat(second.frames.get(3).path("s").asLong()).isEqualTo(7);
  }

  @Test
  void heartbeatAck_dropsWhatTheClientHas_resumeFromItStillReplaysTheRest() throws Exception {
    SessionManager m = managerWith(new SessionManager.ResumePolicy(java.time.Duration.ofMinutes(1), 100, 1 << 20));
    RecordingConnection first = new RecordingConnection();
    Session s = joinedSession(m, first); // READY s=1 (never kept), GUILD_CREATE s=2
    awaitTrue(() -> m.replayBytes() > 0);
    m.acked(s, 2);
    awaitTrue(() -> m.replayBytes() == 0); // an idle session keeps nothing for a resume
    m.acked(s, 99); // past what it was sent: ignored, not trusted
    m.onRelayEvent(event(s, 1, "MESSAGE_CREATE", Intents.GUILD_MESSAGES)); // s=3
    awaitFrames(first, 3);
    m.disconnected(s, first, 1006);

    RecordingConnection second = resumeOn(m, s, 42, 2, 2);
    assertThat(second.frames.get(0).path("s").asLong()).isEqualTo(3);
    assertThat(second.frames.get(1).path("t").asString()).isEqualTo("RESUMED");

    m.acked(s, 3);
    m.disconnected(s, second, 1006);
    RecordingConnection older = resumeOn(m, s, 42, 1, 1);
    assertThat(older.frames.get(0).path("op").asInt()).as("from before what it acknowledged").isEqualTo(9);
  }

  @Test
  void resume_seqOlderThanBuffer_invalidSessionFalse_otherUser_invalid() throws Exception {
    SessionManager m = managerWith(new SessionManager.ResumePolicy(java.time.Duration.ofMinutes(1), 2, 1 << 20));
    RecordingConnection first = new RecordingConnection();
    Session s = joinedSession(m, first);
    for (int i = 1; i <= 4; i++) {
      m.onRelayEvent(event(s, i, "MESSAGE_CREATE", Intents.GUILD_MESSAGES));
    }
    awaitFrames(first, 6);
    m.disconnected(s, first, 4000);
    RecordingConnection intruder = resumeOn(m, s, 7, 6, 1);
    assertThat(intruder.frames.get(0).path("op").asInt()).isEqualTo(9);
    assertThat(intruder.frames.get(0).path("d").asBoolean()).isFalse();

    RecordingConnection late = resumeOn(m, s, 42, 2, 1);
    assertThat(late.frames.get(0).path("op").asInt()).isEqualTo(9);
    assertThat(late.frames.get(0).path("d").asBoolean()).isFalse();
    awaitTrue(() -> m.sessionCount() == 0);
  }

  @Test
  void resumeWindowPasses_sessionEnds_presenceOffline_guildsLeft() throws Exception {
    SessionManager m = managerWith(new SessionManager.ResumePolicy(java.time.Duration.ofMillis(100), 100, 1 << 20));
    RecordingConnection first = new RecordingConnection();
    Session s = joinedSession(m, first);
    m.disconnected(s, first, 1006);
    awaitTrue(() -> m.sessionCount() == 0);
    assertThat(m.expiredSessions()).isEqualTo(1);
    assertThat(presence.calls).contains("end");
    assertThat(guilds.left).containsExactly(GUILD);
  }
}
