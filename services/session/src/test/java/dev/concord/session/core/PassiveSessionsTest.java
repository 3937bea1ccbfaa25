package dev.concord.session.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.concord.fanout.RelayWorkers;
import dev.concord.proto.common.v1.TraceContext;
import dev.concord.proto.guild.v1.ContentGate;
import dev.concord.proto.guild.v1.JoinResponse;
import dev.concord.proto.guild.v1.RelayEvent;
import dev.concord.proto.guild.v1.User;
import dev.concord.proto.session.v1.Identify;
import dev.concord.protocol.Intents;
import dev.concord.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Passive sessions on a real {@link SessionManager} and its workers: what a passive session gets
 * live, its unread markers, the switch to active (exactly what it skipped, in order, then live
 * events), the fallback to a re-join when the pod's log no longer covers it, and bots and clients
 * without the capability getting everything.
 */
class PassiveSessionsTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final long GUILD = 500;
  private static final long OTHER_GUILD = 501;
  private static final long CHANNEL = 900;
  private static final long PASSIVE_USER = 10;
  private static final long BOT = 20;
  private static final long PLAIN_USER = 30;
  private static final long AUTHOR = 40;
  private static final long ALL_INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.GUILD_MESSAGE_TYPING | Intents.MESSAGE_CONTENT
      | Intents.GUILD_MESSAGE_REACTIONS;

  private final RelayWorkers workers = new RelayWorkers(2, 1 << 12);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final Map<Long, List<JsonNode>> framesByConnection = new ConcurrentHashMap<>();
  private final List<Long> rejoinSince = new CopyOnWriteArrayList<>();
  private final AtomicLong seq = new AtomicLong();
  private final List<Long> keys = new ArrayList<>();
  private SessionManager manager;
  /** While set, first joins are answered only when it completes. */
  private volatile CompletableFuture<Void> firstJoinsWait;
  private final java.util.concurrent.atomic.AtomicInteger joinCalls = new java.util.concurrent.atomic.AtomicInteger();

  @AfterEach
  void stop() throws InterruptedException {
    workers.close();
    scheduler.shutdownNow();
  }

  /** Every connection records its frames, shared ones expanded, in the order the worker sent them. */
  private final class Recording implements Connection, LinkSink {
    private final long id;

    Recording(long id) {
      this.id = id;
      framesByConnection.put(id, new CopyOnWriteArrayList<>());
    }

    @Override
    public boolean send(ByteString frame) {
      framesByConnection.get(id).add(JSON.readTree(frame.toByteArray()));
      return true;
    }

    @Override
    public boolean sendShared(String type, ByteString payload, long[] ids, long[] seqs, int n) {
      return sendShared(type, payload, ids, seqs, n, null);
    }

    @Override
    public boolean sendShared(String type, ByteString payload, long[] ids, long[] seqs, int n, TraceContext trace) {
      for (int i = 0; i < n; i++) {
        framesByConnection
            .get(ids[i])
            .add(JSON.readTree("{\"op\":0,\"s\":" + seqs[i] + ",\"t\":\"" + type + "\",\"d\":" + payload.toStringUtf8() + "}"));
      }
      return true;
    }

    @Override
    public void close(int code, String reason) {}

    @Override
    public long id() {
      return id;
    }

    @Override
    public LinkSink link() {
      return this;
    }
  }

  private void start(PassiveSessions.Policy policy) {
    GuildPort guilds =
        new GuildPort() {
          @Override
          public CompletableFuture<User> user(long userId) {
            return CompletableFuture.completedFuture(
                User.newBuilder().setId(userId).setUsername("u" + userId).setBot(userId == BOT).addGuildIds(GUILD).addGuildIds(OTHER_GUILD).build());
          }

          @Override
          public CompletableFuture<Joined> join(long guildId, Session session, long since) {
            joinCalls.incrementAndGet();
            JoinResponse.Builder r =
                JoinResponse.newBuilder()
                    .setGuildCreateJson(ByteString.copyFromUtf8("{\"id\":\"" + guildId + "\"}"))
                    .setSnapshotSeq(seq.get())
                    .setSnapshotMessageId(1000 + seq.get());
            if (since != 0) {
              rejoinSince.add(since);
              // the store's catch-up: every message after `since`
              for (long m = since + 1; m <= 1000 + seq.get(); m++) {
                if (m > 1000) {
                  r.addCatchUpMessages(ByteString.copyFromUtf8("{\"id\":\"" + m + "\",\"from\":\"store\"}"));
                }
              }
            }
            Joined answer = new Joined(r.build(), "guild-0");
            CompletableFuture<Void> pending = firstJoinsWait;
            // a held join: the guild applied it now (its snapshot), the answer arrives when released
            return since == 0 && pending != null ? pending.thenApply(v -> answer) : CompletableFuture.completedFuture(answer);
          }

          @Override
          public void leave(long guildId, String sessionId) {}
        };
    PresencePort presence =
        new PresencePort() {
          @Override
          public void update(long u, String s, String st, String p, String a, Collection<Long> g) {}

          @Override
          public void end(long u, String s, Collection<Long> g) {}
        };
    manager = new SessionManager("pod-a", workers, guilds, presence, 64, SessionManager.ResumePolicy.DEFAULT, policy, scheduler);
  }

  private Session identify(long userId, long capabilities) throws InterruptedException {
    Session s = identifyOnly(userId, capabilities);
    Await.until(() -> types(userId).stream().filter("GUILD_CREATE"::equals).count() == 2, "user " + userId + " joined both guilds");
    return s;
  }

  private Session identifyOnly(long userId, long capabilities) {
    Session s =
        manager.identify(
            Identify.newBuilder().setUserId(userId).setIntents(ALL_INTENTS).setCapabilities(capabilities).build(), new Recording(userId));
    keys.add(s.key());
    return s;
  }

  private List<String> types(long connection) {
    return framesByConnection.get(connection).stream().map(f -> f.path("t").asString("")).toList();
  }

  /** The frames after READY and the two GUILD_CREATEs, as "TYPE id". */
  private List<String> live(long connection) {
    List<JsonNode> frames = List.copyOf(framesByConnection.get(connection)); // a snapshot: the worker may add meanwhile
    return frames.subList(3, frames.size()).stream().map(f -> f.path("t").asString() + " " + f.path("d").path("id").asString("")).toList();
  }

  /** Publishes one event of GUILD to every session, as a guild pod's relay would. */
  private void publish(String type, long messageId, String d, long... mentions) {
    publishIn(CHANNEL, type, messageId, d, mentions);
  }

  private void publishIn(long channel, String type, long messageId, String d, long... mentions) {
    RelayEvent.Builder b =
        RelayEvent.newBuilder()
            .setGuildId(GUILD)
            .setGuildSeq(seq.incrementAndGet())
            .setType(type)
            .setPayload(ByteString.copyFromUtf8(d))
            .setChannelId(channel)
            .setMessageId(messageId);
    if (type.equals("TYPING_START")) {
      // the guild's intent index narrows it: it names its recipients
      b.setRequiredIntents(Intents.GUILD_MESSAGE_TYPING).addAllSessionKeys(keys);
    } else {
      b.setAllSubscribers(true); // guild-wide: each worker's roster knows its recipients
    }
    if (type.equals("MESSAGE_CREATE")) {
      ContentGate.Builder gate = ContentGate.newBuilder().setAuthorId(AUTHOR).setPayloadWithoutContent(ByteString.copyFromUtf8(d));
      for (long m : mentions) {
        gate.addMentionedUserIds(m);
      }
      b.setContentGate(gate);
    }
    manager.onRelayEvent(b.build());
  }

  private void message(long id, long... mentions) {
    publish("MESSAGE_CREATE", id, "{\"id\":\"" + id + "\"}", mentions);
  }

  private void subscribe(Session s, long guildId) {
    manager.subscribeGuild(s, ("{\"op\":14,\"d\":{\"guild_id\":\"" + guildId + "\"}}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void passiveGetsMentionsAndUnreadMarkersThenExactlyWhatItSkippedInOrder() throws InterruptedException {
    start(new PassiveSessions.Policy(true, 10, Duration.ofMillis(500), 4096, 1 << 20, 1 << 24));
    Session passive = identify(PASSIVE_USER, PassiveSessions.CAPABILITY);
    identify(BOT, PassiveSessions.CAPABILITY); // a bot is never passive, whatever it says
    identify(PLAIN_USER, 0); // a client without the capability neither

    message(1001);
    publish("TYPING_START", 0, "{\"id\":\"t1\"}");
    message(1002, PASSIVE_USER); // mentions it
    publish("CHANNEL_UPDATE", 0, "{\"id\":\"" + CHANNEL + "\"}");
    publish("MESSAGE_UPDATE", 0, "{\"id\":\"1001\"}");
    message(1003);
    List<String> everything =
        List.of("MESSAGE_CREATE 1001", "TYPING_START t1", "MESSAGE_CREATE 1002", "CHANNEL_UPDATE 900", "MESSAGE_UPDATE 1001", "MESSAGE_CREATE 1003");
    Await.until(() -> live(BOT).size() == 6 && live(PLAIN_USER).size() == 6, "the bot and the plain client got all six");
    assertThat(live(BOT)).isEqualTo(everything);
    assertThat(live(PLAIN_USER)).isEqualTo(everything);

    // the passive client: the mention and the channel change live, then one unread marker
    Await.until(() -> live(PASSIVE_USER).size() >= 3, "the passive client's unread marker");
    assertThat(live(PASSIVE_USER)).containsExactly("MESSAGE_CREATE 1002", "CHANNEL_UPDATE 900", "PASSIVE_UPDATE_V1 ");
    JsonNode marker = framesByConnection.get(PASSIVE_USER).getLast().path("d");
    assertThat(marker.path("guild_id").asString()).isEqualTo(Long.toString(GUILD));
    assertThat(marker.path("channels")).hasSize(1);
    assertThat(marker.path("channels").get(0).path("id").asString()).isEqualTo(Long.toString(CHANNEL));
    assertThat(marker.path("channels").get(0).path("last_message_id").asString()).isEqualTo("1003");
    assertThat(manager.passiveSkipped()).isEqualTo(4);

    // a channel already unread sends no more markers; one turning unread does
    message(1004);
    publishIn(CHANNEL + 1, "MESSAGE_CREATE", 1005, "{\"id\":\"1005\"}");
    Await.until(() -> live(PASSIVE_USER).size() >= 4, "the second unread marker");
    assertThat(live(PASSIVE_USER).get(3)).isEqualTo("PASSIVE_UPDATE_V1 ");
    JsonNode second = framesByConnection.get(PASSIVE_USER).getLast().path("d").path("channels");
    assertThat(second).hasSize(1);
    assertThat(second.get(0).path("id").asString()).isEqualTo(Long.toString(CHANNEL + 1));
    assertThat(second.get(0).path("last_message_id").asString()).isEqualTo("1005");

    // it looks at the guild: exactly what it skipped, in order, then live events
    subscribe(passive, GUILD);
    message(1006);
    Await.until(() -> live(PASSIVE_USER).size() == 11, "the sync and the live message");
    assertThat(live(PASSIVE_USER).subList(4, 11))
        .containsExactly(
            "MESSAGE_CREATE 1001",
            "TYPING_START t1",
            "MESSAGE_UPDATE 1001",
            "MESSAGE_CREATE 1003",
            "MESSAGE_CREATE 1004",
            "MESSAGE_CREATE 1005",
            "MESSAGE_CREATE 1006");
    assertThat(manager.passiveSyncs()).isEqualTo(1);
    assertThat(manager.passiveSyncFallbacks()).isZero();
    // seqs stay gapless and increasing through the switch
    List<JsonNode> frames = framesByConnection.get(PASSIVE_USER);
    for (int i = 1; i < frames.size(); i++) {
      assertThat(frames.get(i).path("s").asLong()).isEqualTo(frames.get(i - 1).path("s").asLong() + 1);
    }
    // nothing is kept for the guild once no session is passive or joining
    Await.until(() -> manager.rosterKeptBytes() == 0, "the roster's kept events released");
  }

  @Test
  void aSwitchTheLogNoLongerCoversRejoinsWithACatchUpFromTheStore() throws InterruptedException {
    // the pod keeps 2 events of the guild: 4 skipped messages are no longer all there
    start(new PassiveSessions.Policy(true, 10, Duration.ofSeconds(10), 2, 1 << 20, 1 << 24));
    Session passive = identify(PASSIVE_USER, PassiveSessions.CAPABILITY);
    for (long m = 1001; m <= 1004; m++) {
      message(m);
    }
    subscribe(passive, GUILD);
    Await.until(() -> live(PASSIVE_USER).size() == 6, "the re-join and its catch-up");
    assertThat(live(PASSIVE_USER))
        .containsExactly(
            "GUILD_DELETE " + GUILD, "GUILD_CREATE " + GUILD, "MESSAGE_CREATE 1001", "MESSAGE_CREATE 1002", "MESSAGE_CREATE 1003", "MESSAGE_CREATE 1004");
    // caught up from what it had when it became passive (the join's snapshot: nothing yet)
    assertThat(rejoinSince).containsExactly(1000L);
    assertThat(manager.passiveSyncFallbacks()).isEqualTo(1);
    message(1005);
    Await.until(() -> live(PASSIVE_USER).size() == 7, "then live");
    assertThat(live(PASSIVE_USER).getLast()).isEqualTo("MESSAGE_CREATE 1005");
  }

  @Test
  void oneGuildTooManyMakesTheLeastRecentlySubscribedPassiveAgain() throws InterruptedException {
    start(new PassiveSessions.Policy(true, 1, Duration.ofSeconds(10), 4096, 1 << 20, 1 << 24));
    Session s = identify(PASSIVE_USER, PassiveSessions.CAPABILITY);
    subscribe(s, GUILD);
    message(1001);
    Await.until(() -> live(PASSIVE_USER).size() == 1, "active: live");
    subscribe(s, OTHER_GUILD); // only one active guild: GUILD is passive again
    message(1002);
    message(1003, PASSIVE_USER);
    Await.until(() -> live(PASSIVE_USER).size() == 2, "passive again: the mention only");
    assertThat(live(PASSIVE_USER)).containsExactly("MESSAGE_CREATE 1001", "MESSAGE_CREATE 1003");
    subscribe(s, GUILD);
    Await.until(() -> live(PASSIVE_USER).size() == 3, "the sync");
    assertThat(live(PASSIVE_USER).getLast()).isEqualTo("MESSAGE_CREATE 1002");
  }

  /** Frames after READY, as "TYPE id", without the other guild's GUILD_CREATE. */
  private List<String> afterReady(long connection) {
    List<JsonNode> frames = List.copyOf(framesByConnection.get(connection)); // a snapshot: the worker may add meanwhile
    return frames.subList(1, frames.size()).stream()
        .map(f -> f.path("t").asString() + " " + f.path("d").path("id").asString(""))
        .filter(t -> !t.equals("GUILD_CREATE " + OTHER_GUILD))
        .toList();
  }

  @Test
  void aJoinAnsweredAfterGuildWideEventsGetsThoseAfterItsSnapshotInOrder() throws InterruptedException {
    start(new PassiveSessions.Policy(true, 10, Duration.ofSeconds(10), 4096, 1 << 20, 1 << 24));
    CompletableFuture<Void> answers = new CompletableFuture<>();
    firstJoinsWait = answers;
    identifyOnly(BOT, 0); // the guild takes the join's snapshot now (seq 0); the answer waits
    Await.until(() -> joinCalls.get() == 2, "both joins in flight");
    // guild-wide events after the snapshot reach the worker before the answer: its roster keeps them
    message(1001);
    message(1002);
    firstJoinsWait = null;
    answers.complete(null);
    message(1003);
    Await.until(() -> afterReady(BOT).contains("MESSAGE_CREATE 1003"), "the live message");
    assertThat(afterReady(BOT)).containsExactly("GUILD_CREATE " + GUILD, "MESSAGE_CREATE 1001", "MESSAGE_CREATE 1002", "MESSAGE_CREATE 1003");
    Await.until(() -> manager.rosterKeptBytes() == 0, "nothing kept once no join is in flight");
  }

  @Test
  void aJoinWhoseSnapshotTheRosterNoLongerCoversJoinsAgain() throws InterruptedException {
    // the roster keeps one event: two after the snapshot are not all there when the answer comes
    start(new PassiveSessions.Policy(true, 10, Duration.ofSeconds(10), 1, 1 << 20, 1 << 24));
    CompletableFuture<Void> answers = new CompletableFuture<>();
    firstJoinsWait = answers;
    identifyOnly(BOT, 0);
    Await.until(() -> joinCalls.get() == 2, "both joins in flight");
    message(1001);
    message(1002);
    firstJoinsWait = null;
    answers.complete(null);
    Await.until(() -> !rejoinSince.isEmpty(), "a re-join with a catch-up from the store");
    Await.until(() -> afterReady(BOT).contains("MESSAGE_CREATE 1002"), "the catch-up");
    assertThat(afterReady(BOT)).endsWith("GUILD_CREATE " + GUILD, "MESSAGE_CREATE 1001", "MESSAGE_CREATE 1002");
  }

  @Test
  void passiveSessionsCanBeTurnedOff() throws InterruptedException {
    start(new PassiveSessions.Policy(false, 10, Duration.ofMillis(50), 4096, 1 << 20, 1 << 24));
    identify(PASSIVE_USER, PassiveSessions.CAPABILITY);
    message(1001);
    publish("TYPING_START", 0, "{\"id\":\"t1\"}");
    Await.until(() -> live(PASSIVE_USER).size() == 2, "everything");
    assertThat(live(PASSIVE_USER)).containsExactly("MESSAGE_CREATE 1001", "TYPING_START t1");
    assertThat(manager.passiveSkipped()).isZero();
  }
}
