package dev.concord.guild.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.concord.protocol.Intents;
import dev.concord.protocol.SnowflakeGenerator;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import dev.concord.guild.store.GuildStore;
import dev.concord.guild.store.JdbcGuildStore;
import dev.concord.guild.store.TestDatabase;
import dev.concord.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class GuildHostTest {
  record Published(long seq, String type, byte[] payload, long intents, List<Long> recipients, long channelId) {}

  record Visibility(long seq, String sessionId, long[] hidden) {}

  /** Records what the guild sends to the fanout (recipients as captured on the loop). */
  static final class RecordingFanout implements Fanout {
    final List<Published> published = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Visibility> visibility = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public Runnable publish(GuildState state, String type, byte[] payload, long intents, long channelId, long messageId) {
      List<Long> recipients = new ArrayList<>();
      // as the relay fanout: an intent index's sessions only, or every subscriber
      state.subscribersByPod(intents).values().forEach(recipients::addAll);
      Published p = new Published(state.seq(), type, payload, intents, recipients, channelId);
      return () -> published.add(p);
    }

    @Override
    public Runnable publishTo(
        GuildState state, java.util.Map<String, java.util.LinkedHashSet<Long>> byPod, String type, byte[] payload, long intents) {
      List<Long> recipients = new ArrayList<>();
      byPod.values().forEach(recipients::addAll);
      Published p = new Published(state.seq(), type, payload, intents, recipients, 0);
      return () -> published.add(p);
    }

    @Override
    public Runnable visibility(GuildState state, GuildState.Subscriber sub, long[] hidden) {
      Visibility v = new Visibility(state.seq(), sub.sessionId(), hidden);
      return () -> visibility.add(v);
    }

    @Override
    public Runnable rejoin(GuildState state) {
      return publish(state, "_REJOIN", new byte[0], 0, 0, 0);
    }
  }

  static final Fanout NONE = new RecordingFanout();

  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final RecordingFanout fanout = new RecordingFanout();
  private final List<Published> published = fanout.published;
  private final GuildStore store = new JdbcGuildStore(TestDatabase.postgres());
  private final List<GuildJournal> journals = new ArrayList<>();
  private final GuildHost host = pod(3, fanout, Ownership.ALL, 1000);

  /** A guild pod on the shared PostgreSQL store, with its own journal. */
  private GuildHost pod(int node, Fanout f, Ownership own, int maxBatch) {
    GuildJournal journal = new GuildJournal(store, 1000, maxBatch);
    journals.add(journal);
    return new GuildHost(
        store, journal, new Users(store, 1000), new Payloads(), SnowflakeGenerator.forNode(node), pool, f, own, 100, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    journals.forEach(GuildJournal::close);
    pool.shutdownNow();
  }

  private static GuildException.Kind kindOf(Throwable t) {
    Throwable c = t instanceof CompletionException ? t.getCause() : t;
    return ((GuildException) c).kind();
  }

  @Test
  void join_snapshotSeqCoversPastEvents_laterEventsReachSubscriber() {
    Users.User alice = host.createUser("alice", "Alice", false);
    GuildState g = host.createGuild("Guild", alice.id()).join();
    GuildState.Channel general = new GuildCommands(host).createChannel(g.id(), "general", "").join();

    JoinResult join = host.join(g.id(), "s1", 11, alice.id(), "pod-a", Intents.GUILDS, 50, 0, null).join();
    JsonNode snapshot = JsonMapper.builder().build().readTree(join.guildCreateJson());
    assertThat(snapshot.path("channels").get(0).path("name").asString()).isEqualTo("general");
    assertThat(snapshot.path("members").size()).isEqualTo(1);
    assertThat(snapshot.path("unavailable").asBoolean()).isFalse();

    new GuildCommands(host).createMessage(g.id(), general.id(), alice.id(), "hi", "").join();
    Published last = published.getLast();
    assertThat(last.type()).isEqualTo("MESSAGE_CREATE");
    assertThat(last.seq()).isGreaterThan(join.snapshotSeq());
    assertThat(last.recipients()).containsExactly(11L);
    assertThat(last.intents()).isEqualTo(Intents.GUILD_MESSAGES);
    // the channel creation happened before the join: covered by the snapshot
    assertThat(published.stream().filter(p -> p.type().equals("CHANNEL_CREATE")).findFirst().orElseThrow().seq())
        .isLessThanOrEqualTo(join.snapshotSeq());
  }

  @Test
  void createMessage_badInput_clearErrors() {
    Users.User alice = host.createUser("alice", "", false);
    Users.User mallory = host.createUser("mallory", "", false);
    GuildState g = host.createGuild("Guild", alice.id()).join();
    GuildState.Channel c = new GuildCommands(host).createChannel(g.id(), "general", "").join();

    assertThatThrownBy(() -> new GuildCommands(host).createMessage(g.id(), c.id(), alice.id(), "", ""))
        .hasMessageContaining("Cannot send an empty message");
    assertThatThrownBy(() -> new GuildCommands(host).createMessage(g.id(), c.id(), alice.id(), "x".repeat(2001), ""))
        .hasMessageContaining("expected: <= 2000");
    assertThatThrownBy(() -> new GuildCommands(host).createMessage(g.id(), c.id(), mallory.id(), "hi", "").join())
        .satisfies(t -> assertThat(kindOf(t)).isEqualTo(GuildException.Kind.PERMISSION_DENIED));
    assertThatThrownBy(() -> new GuildCommands(host).createMessage(g.id(), 12345, alice.id(), "hi", "").join())
        .satisfies(t -> assertThat(kindOf(t)).isEqualTo(GuildException.Kind.NOT_FOUND));
    assertThatThrownBy(() -> new GuildCommands(host).createMessage(999, c.id(), alice.id(), "hi", "").join())
        .satisfies(t -> assertThat(kindOf(t)).isEqualTo(GuildException.Kind.NOT_FOUND));
  }

  @Test
  void addMember_twice_alreadyExists_andJoinOfNonMemberRefused() {
    Users.User alice = host.createUser("alice", "", false);
    Users.User bob = host.createUser("bob", "", false);
    GuildState g = host.createGuild("Guild", alice.id()).join();
    assertThatThrownBy(() -> host.join(g.id(), "s", 12, bob.id(), "p", 0, 50, 0, null).join())
        .satisfies(t -> assertThat(kindOf(t)).isEqualTo(GuildException.Kind.PERMISSION_DENIED));
    new GuildCommands(host).addMember(g.id(), bob.id()).join();
    assertThat(host.users().guildIdsOf(bob.id())).containsExactly(g.id());
    assertThatThrownBy(() -> new GuildCommands(host).addMember(g.id(), bob.id()).join())
        .satisfies(t -> assertThat(kindOf(t)).isEqualTo(GuildException.Kind.ALREADY_EXISTS));
  }

  @Test
  void join_largeGuild_sendsOnlyOwnMember() {
    Users.User owner = host.createUser("owner", "", false);
    GuildState g = host.createGuild("Big", owner.id()).join();
    for (int i = 0; i < 60; i++) {
      new GuildCommands(host).addMember(g.id(), host.createUser("user" + i, "", false).id()).join();
    }
    JsonNode snap =
        JsonMapper.builder()
            .build()
            .readTree(host.join(g.id(), "s", 13, owner.id(), "p", 0, 50, 0, null).join().guildCreateJson());
    assertThat(snap.path("large").asBoolean()).isTrue();
    assertThat(snap.path("member_count").asInt()).isEqualTo(61);
    assertThat(snap.path("members").size()).isEqualTo(1);
  }

  @Test
  void join_largeGuild_withPresences_sendsTheOnlineMembersAndItself() {
    Users.User owner = host.createUser("owner", "", false);
    GuildState g = host.createGuild("Big", owner.id()).join();
    List<Long> online = new java.util.ArrayList<>();
    GuildCommands commands = new GuildCommands(host);
    for (int i = 0; i < 60; i++) {
      long id = host.createUser("user" + i, "", false).id();
      commands.addMember(g.id(), id).join();
      if (i % 20 == 0) {
        commands.publishPresence(g.id(), id, ("{\"user\":{\"id\":\"" + id + "\"},\"status\":\"online\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8)).join();
        online.add(id);
      }
    }
    JsonMapper json = JsonMapper.builder().build();
    JsonNode snap =
        json.readTree(host.join(g.id(), "s", 13, owner.id(), "p", dev.concord.protocol.Intents.GUILD_PRESENCES, 50, 0, null).join().guildCreateJson());
    assertThat(snap.path("large").asBoolean()).isTrue();
    List<Long> ids = new java.util.ArrayList<>();
    snap.path("members").forEach(m -> ids.add(Long.parseUnsignedLong(m.path("user").path("id").asString())));
    // the receiver first (it is not online yet), then the online members
    assertThat(ids.getFirst()).isEqualTo(owner.id());
    assertThat(ids.subList(1, ids.size())).containsExactlyInAnyOrderElementsOf(online);
    assertThat(snap.path("presences").size()).isEqualTo(3);
    // one goes offline: the shared array follows
    commands.publishPresence(g.id(), online.get(1), "{\"status\":\"offline\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)).join();
    snap = json.readTree(host.join(g.id(), "s2", 14, owner.id(), "p", dev.concord.protocol.Intents.GUILD_PRESENCES, 50, 0, null).join().guildCreateJson());
    assertThat(snap.path("members").size()).isEqualTo(3);
  }

  @Test
  void createUser_badName_rejected() {
    assertThatThrownBy(() -> host.createUser("a", "", false)).hasMessageContaining("expected: 2..32");
    assertThatThrownBy(() -> host.createUser("  ", "", false)).hasMessageContaining("not blank");
  }

  /** Ownership the test flips: owns guilds passing {@code test}, by ring {@code version}. */
  static final class FlippingOwnership implements Ownership {
    volatile java.util.function.LongPredicate test = id -> true;
    volatile long version = 1;

    @Override
    public boolean owns(long guildId) {
      return test.test(guildId);
    }

    @Override
    public long ringVersion() {
      return version;
    }

    @Override
    public String ownerOf(long guildId) {
      return owns(guildId) ? "guild-a" : "guild-b";
    }

    @Override
    public String addressOf(long guildId) {
      return owns(guildId) ? "127.0.0.1:1" : "127.0.0.1:2";
    }
  }

  @Test
  void createGuild_drawsIdsThisPodOwns() {
    FlippingOwnership own = new FlippingOwnership();
    own.test = id -> (id >>> 12) % 3 == 0; // a third of the ids
    GuildHost h = pod(4, NONE, own, 1000);
    Users.User alice = h.createUser("alice", "", false);
    for (int i = 0; i < 20; i++) {
      assertThat(own.owns(h.createGuild("G" + i, alice.id()).join().id())).isTrue();
    }
  }

  @Test
  void ringMovesGuildAway_laterCallsRefusedWithRingVersionAndOwner() {
    FlippingOwnership own = new FlippingOwnership();
    GuildHost h = pod(4, NONE, own, 1000);
    Users.User alice = h.createUser("alice", "", false);
    GuildState g = h.createGuild("Moving", alice.id()).join();
    GuildState.Channel c = new GuildCommands(h).createChannel(g.id(), "general", "").join();
    own.version = 8;
    own.test = id -> false;
    assertThatThrownBy(() -> new GuildCommands(h).createMessage(g.id(), c.id(), alice.id(), "hi", ""))
        .isInstanceOfSatisfying(
            GuildException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(GuildException.Kind.WRONG_OWNER);
              assertThat(e.ringVersion()).isEqualTo(8);
              assertThat(e.owner()).isEqualTo("guild-b");
            });
  }

  @Test
  void privateChannel_hiddenFromMembersWithoutRole_untilTheyGetIt() {
    Users.User owner = host.createUser("owner", "", false);
    Users.User bob = host.createUser("bob", "", false);
    GuildState g = host.createGuild("Guild", owner.id()).join();
    new GuildCommands(host).addMember(g.id(), bob.id()).join();
    GuildState.Role staff = new GuildCommands(host).createRole(g.id(), "staff", 0).join();
    GuildState.Channel secret =
        new GuildCommands(host).createChannel(
                g.id(),
                "staff-only",
                "",
                List.of(
                    new GuildState.Overwrite(g.id(), Permissions.ROLE, 0, Permissions.VIEW_CHANNEL),
                    new GuildState.Overwrite(staff.id(), Permissions.ROLE, Permissions.VIEW_CHANNEL, 0)))
            .join();
    GuildState.Channel general = new GuildCommands(host).createChannel(g.id(), "general", "").join();

    JoinResult bobJoin = host.join(g.id(), "bob-s", 21, bob.id(), "p", Intents.GUILDS, 50, 0, null).join();
    assertThat(bobJoin.hiddenChannelIds()).containsExactly(secret.id());
    JsonNode snap = JsonMapper.builder().build().readTree(bobJoin.guildCreateJson());
    assertThat(snap.path("channels").size()).isEqualTo(1);
    assertThat(snap.path("channels").get(0).path("name").asString()).isEqualTo("general");
    JoinResult ownerJoin = host.join(g.id(), "owner-s", 22, owner.id(), "p", Intents.GUILDS, 50, 0, null).join();
    assertThat(ownerJoin.hiddenChannelIds()).isEmpty();

    // bob may not post where he cannot see
    assertThatThrownBy(() -> new GuildCommands(host).createMessage(g.id(), secret.id(), bob.id(), "hi", "").join())
        .satisfies(t -> assertThat(kindOf(t)).isEqualTo(GuildException.Kind.PERMISSION_DENIED));
    new GuildCommands(host).createMessage(g.id(), secret.id(), owner.id(), "psst", "").join();
    assertThat(published.getLast().channelId()).isEqualTo(secret.id());

    // given the role, bob's session is told (in order) that nothing is hidden any more
    int before = fanout.visibility.size();
    new GuildCommands(host).addMemberRole(g.id(), bob.id(), staff.id()).join();
    assertThat(fanout.visibility).hasSize(before + 1);
    Visibility v = fanout.visibility.getLast();
    assertThat(v.sessionId()).isEqualTo("bob-s");
    assertThat(v.hidden()).isEmpty();
    assertThat(published.getLast().type()).isEqualTo("GUILD_MEMBER_UPDATE");
    assertThat(published.getLast().seq()).isGreaterThan(v.seq());

    // a member overwrite hides general from bob alone
    new GuildCommands(host).setChannelPermission(g.id(), general.id(), new GuildState.Overwrite(bob.id(), Permissions.MEMBER, 0, Permissions.VIEW_CHANNEL))
        .join();
    assertThat(fanout.visibility.getLast().sessionId()).isEqualTo("bob-s");
    assertThat(fanout.visibility.getLast().hidden()).containsExactly(general.id());
  }

  @Test
  void dormantGuild_atAdmissionBound_refusedAtOnce_thenAdmittedAfterActivation() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    ExecutorService activations = Executors.newFixedThreadPool(1);
    try {
      JoinAdmission admission = new JoinAdmission(2, 250);
      GuildLoader fromStore = new GuildLoader.FromStore(store, host.users(), 0, 0);
      host.withActivation(
          id -> {
            release.await();
            return fromStore.load(id);
          },
          activations,
          admission);
      Users.User alice = host.createUser("alice", "", false);
      GuildState g = host.createGuild("Guild", alice.id()).join();
      host.passivateAll();

      var first = host.join(g.id(), "s1", 31, alice.id(), "p", 0, 50, 0, null);
      var second = host.join(g.id(), "s2", 32, alice.id(), "p", 0, 50, 0, null);
      assertThat(admission.pending()).isEqualTo(2);
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> host.join(g.id(), "s3", 33, alice.id(), "p", 0, 50, 0, null))
          .isInstanceOfSatisfying(
              GuildException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(GuildException.Kind.RESOURCE_EXHAUSTED);
                assertThat(e.getMessage()).contains("retry-after-ms=250");
              });
      assertThat(admission.rejected()).isEqualTo(1);
      assertThat(first).isNotDone();

      release.countDown();
      assertThat(first.get(5, java.util.concurrent.TimeUnit.SECONDS).snapshotSeq()).isPositive();
      assertThat(second.get(5, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
      assertThat(admission.pending()).isZero();
      assertThat(admission.peakPending()).isEqualTo(2);
      assertThat(admission.activations()).isEqualTo(1); // one activation served both joins
      // active now: no admission needed
      assertThat(host.join(g.id(), "s3", 33, alice.id(), "p", 0, 50, 0, null).get(5, java.util.concurrent.TimeUnit.SECONDS))
          .isNotNull();
    } finally {
      activations.shutdownNow();
    }
  }

  @Test
  void createMessage_ackedOnceDurable_historyNewestFirst() {
    Users.User alice = host.createUser("alice", "", false);
    GuildState g = host.createGuild("Guild", alice.id()).join();
    GuildState.Channel c = new GuildCommands(host).createChannel(g.id(), "general", "").join();
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(new GuildCommands(host).createMessage(g.id(), c.id(), alice.id(), "m" + i, "").join().id());
    }
    // acknowledged ⇒ in the store (read straight from it, not from this pod)
    assertThat(store.messages(c.id(), 0, 0, 100)).extracting(GuildStore.MessageRow::id).containsExactlyElementsOf(ids.reversed());
    assertThat(new GuildCommands(host).messages(g.id(), c.id(), ids.get(3), 0, 2).join())
        .extracting(GuildStore.MessageRow::content)
        .containsExactly("m2", "m1");
    assertThat(new GuildCommands(host).messages(g.id(), c.id(), 0, ids.get(3), 50).join()).extracting(GuildStore.MessageRow::content).containsExactly("m4");
    assertThatThrownBy(() -> new GuildCommands(host).messages(g.id(), c.id(), 0, 0, 101)).hasMessageContaining("expected: 1..100");
    assertThatThrownBy(() -> new GuildCommands(host).messages(g.id(), 42, 0, 0, 10).join())
        .satisfies(t -> assertThat(kindOf(t)).isEqualTo(GuildException.Kind.NOT_FOUND));
  }

  @Test
  void newOwner_activatesFromStore_withChannelsRolesMembersAndOverwrites() {
    Users.User owner = host.createUser("owner", "", false);
    Users.User bob = host.createUser("bob", "", false);
    GuildState g = host.createGuild("Guild", owner.id()).join();
    new GuildCommands(host).addMember(g.id(), bob.id()).join();
    GuildState.Role staff = new GuildCommands(host).createRole(g.id(), "staff", 0).join();
    GuildState.Channel secret =
        new GuildCommands(host).createChannel(
                g.id(), "staff-only", "", List.of(new GuildState.Overwrite(g.id(), Permissions.ROLE, 0, Permissions.VIEW_CHANNEL)))
            .join();
    new GuildCommands(host).setChannelPermission(g.id(), secret.id(), new GuildState.Overwrite(staff.id(), Permissions.ROLE, Permissions.VIEW_CHANNEL, 0))
        .join();

    GuildHost other = pod(5, NONE, Ownership.ALL, 1000); // another pod, same store
    JoinResult bobJoin = other.join(g.id(), "bob-s", 41, bob.id(), "p", Intents.GUILDS, 50, 0, null).join();
    assertThat(bobJoin.hiddenChannelIds()).containsExactly(secret.id());
    JsonNode snap = JsonMapper.builder().build().readTree(bobJoin.guildCreateJson());
    assertThat(snap.path("member_count").asInt()).isEqualTo(2);
    assertThat(snap.path("roles").size()).isEqualTo(2);
    new GuildCommands(other).addMemberRole(g.id(), bob.id(), staff.id()).join();
    assertThat(other.join(g.id(), "bob-s", 41, bob.id(), "p", Intents.GUILDS, 50, 0, null).join().hiddenChannelIds()).isEmpty();
  }

  @Test
  void oldOwner_afterNewOwnerClaims_writeFencedNotStored_andSessionsToldToRejoin() throws InterruptedException {
    Users.User alice = host.createUser("alice", "", false);
    GuildState g = host.createGuild("Guild", alice.id()).join();
    GuildState.Channel c = new GuildCommands(host).createChannel(g.id(), "general", "").join();
    host.join(g.id(), "s-old", 51, alice.id(), "pod-a", Intents.GUILD_MESSAGES, 50, 0, null).join();

    // a paused or partitioned old owner still believes it owns the guild; the new one claims it
    GuildHost newOwner = pod(6, NONE, Ownership.ALL, 1000);
    newOwner.join(g.id(), "s-new", 52, alice.id(), "pod-a", Intents.GUILD_MESSAGES, 50, 0, null).join();

    assertThatThrownBy(() -> new GuildCommands(host).createMessage(g.id(), c.id(), alice.id(), "stale", "").join())
        .satisfies(t -> assertThat(kindOf(t)).isEqualTo(GuildException.Kind.UNAVAILABLE));
    assertThat(store.messages(c.id(), 0, 0, 10)).isEmpty();
    Await.until(() -> published.stream().anyMatch(p -> p.type().equals("_REJOIN") && p.recipients().contains(51L)), "_REJOIN sent");
    assertThat(published).noneMatch(p -> p.type().equals("MESSAGE_CREATE"));
    // the next call reloads the guild here (claiming it back, fencing the other pod)
    assertThat(new GuildCommands(host).createMessage(g.id(), c.id(), alice.id(), "fresh", "").join().id()).isPositive();
    assertThat(store.messages(c.id(), 0, 0, 10)).extracting(GuildStore.MessageRow::content).containsExactly("fresh");
  }

  @Test
  void rejoin_catchesUpOnMissedMessages_onlyVisibleOnes_upToTheSnapshot() throws Exception {
    Users.User owner = host.createUser("owner", "", false);
    Users.User bob = host.createUser("bob", "", false);
    GuildState g = host.createGuild("Guild", owner.id()).join();
    new GuildCommands(host).addMember(g.id(), bob.id()).join();
    GuildState.Channel general = new GuildCommands(host).createChannel(g.id(), "general", "").join();
    GuildState.Channel secret =
        new GuildCommands(host).createChannel(
                g.id(), "secret", "", List.of(new GuildState.Overwrite(g.id(), Permissions.ROLE, 0, Permissions.VIEW_CHANNEL)))
            .join();
    long older = new GuildCommands(host).createMessage(g.id(), general.id(), owner.id(), "older", "").join().id();
    long doomed = new GuildCommands(host).createMessage(g.id(), general.id(), owner.id(), "doomed", "").join().id();
    new GuildCommands(host).react(g.id(), general.id(), older, owner.id(), "👋", owner.id(), true).join();
    JoinResult first = host.join(g.id(), "bob-s", 61, bob.id(), "p", Intents.GUILD_MESSAGES, 50, 0, null).join();
    assertThat(first.catchUp()).isEmpty();
    long seen = new GuildCommands(host).createMessage(g.id(), general.id(), owner.id(), "seen", "").join().id();
    // reactions while bob is away: one removed that he had seen, one added
    // changes from a later millisecond than `seen`'s id (the catch-up boundary)
    long boundaryMs = dev.concord.protocol.SnowflakeGenerator.timestamp(seen).toEpochMilli();
    Await.until(() -> System.currentTimeMillis() > boundaryMs, "the clock passed the catch-up boundary");
    new GuildCommands(host).react(g.id(), general.id(), older, owner.id(), "👋", owner.id(), false).join();
    new GuildCommands(host).react(g.id(), general.id(), seen, owner.id(), "🎉", owner.id(), true).join();
    // while bob is away: an older message edited, another deleted
    new GuildCommands(host).editMessage(g.id(), general.id(), older, owner.id(), "older, edited").join();
    new GuildCommands(host).deleteMessage(g.id(), general.id(), doomed, owner.id()).join();
    new GuildCommands(host).createMessage(g.id(), general.id(), owner.id(), "missed 1", "").join();
    new GuildCommands(host).createMessage(g.id(), secret.id(), owner.id(), "not for bob", "").join();
    new GuildCommands(host).createMessage(g.id(), general.id(), owner.id(), "missed 2", "").join();

    GuildHost newOwner = pod(7, NONE, Ownership.ALL, 1000);
    JoinResult again =
        newOwner.join(g.id(), "bob-s", 61, bob.id(), "p", Intents.GUILD_MESSAGES, 50, seen, null).join();
    JsonMapper json = JsonMapper.builder().build();
    assertThat(again.catchUp()).extracting(b -> json.readTree(b).path("content").asString()).containsExactly("missed 1", "missed 2");
    assertThat(again.catchUpUpdates()).extracting(b -> json.readTree(b).path("content").asString()).containsExactly("older, edited");
    assertThat(json.readTree(again.catchUpUpdates().get(0)).path("edited_timestamp").isString()).isTrue();
    assertThat(again.catchUpDeletes()).extracting(b -> json.readTree(b).path("id").asString()).containsExactly(Long.toUnsignedString(doomed));
    // without GUILD_MESSAGE_REACTIONS no reaction is caught up
    assertThat(again.catchUpReactions()).isEmpty();
    JoinResult withReactions =
        newOwner.join(g.id(), "bob-s", 61, bob.id(), "p", Intents.GUILD_MESSAGES | Intents.GUILD_MESSAGE_REACTIONS, 50, seen, null).join();
    assertThat(withReactions.catchUpReactions())
        .extracting(JoinResult.CatchUpEvent::type, e -> json.readTree(e.payload()).path("emoji").path("name").asString())
        .containsExactly(tuple("MESSAGE_REACTION_REMOVE", "👋"), tuple("MESSAGE_REACTION_ADD", "🎉"));
    assertThat(json.readTree(withReactions.catchUpReactions().get(1).payload()).path("message_id").asString())
        .isEqualTo(Long.toUnsignedString(seen));
    assertThat(again.snapshotSeq()).isGreaterThan(first.snapshotSeq()); // a later epoch sorts after
    // nothing newer than the snapshot is caught up (it arrives live)
    assertThat(newOwner.join(g.id(), "bob-s", 61, bob.id(), "p", Intents.GUILD_MESSAGES, 50, again.snapshotMessageId(), null).join().catchUp())
        .isEmpty();
  }

  @Test
  void groupCommit_manyConcurrentWrites_fewTransactions_allDurableInGuildOrder() {
    Users.User alice = host.createUser("alice", "", false);
    GuildState g = host.createGuild("Guild", alice.id()).join();
    GuildState.Channel c = new GuildCommands(host).createChannel(g.id(), "general", "").join();
    host.join(g.id(), "s", 71, alice.id(), "p", Intents.GUILD_MESSAGES, 50, 0, null).join();
    List<java.util.concurrent.CompletableFuture<MessageOps.CreatedMessage>> acks = new ArrayList<>();
    for (int i = 0; i < 90; i++) { // within the mailbox bound (100)
      acks.add(new GuildCommands(host).createMessage(g.id(), c.id(), alice.id(), "m" + i, ""));
    }
    acks.forEach(java.util.concurrent.CompletableFuture::join);
    assertThat(store.messages(c.id(), 0, 0, 100)).hasSize(90);
    List<Long> seqs = published.stream().filter(p -> p.type().equals("MESSAGE_CREATE")).map(Published::seq).toList();
    assertThat(seqs).hasSize(90).isSorted();
    GuildJournal journal = journals.getFirst();
    assertThat(journal.committedEntries()).isGreaterThanOrEqualTo(90);
    assertThat(journal.commits()).isLessThan(journal.committedEntries());
  }

  @Test
  void ringGivesGuildBack_stateReloadedWithWhatTheOtherOwnerWrote() {
    FlippingOwnership own = new FlippingOwnership();
    GuildHost a = pod(8, NONE, own, 1000);
    Users.User alice = a.createUser("alice", "", false);
    GuildState g = a.createGuild("Moving", alice.id()).join();
    new GuildCommands(a).createChannel(g.id(), "general", "").join();

    own.test = id -> false; // the ring moves the guild to pod b ...
    a.ringChanged();
    GuildHost b = pod(9, NONE, Ownership.ALL, 1000);
    new GuildCommands(b).createChannel(g.id(), "made-on-b", "").join();
    own.test = id -> true; // ... and back
    a.ringChanged();

    JsonNode snap =
        JsonMapper.builder().build().readTree(a.join(g.id(), "s", 81, alice.id(), "p", Intents.GUILDS, 50, 0, null).join().guildCreateJson());
    List<String> names = new ArrayList<>();
    snap.path("channels").forEach(c -> names.add(c.path("name").asString()));
    assertThat(names).containsExactly("general", "made-on-b");
  }

  @Test
  void ringMovesGuildAway_itsSessionsToldToRejoin() throws InterruptedException {
    FlippingOwnership own = new FlippingOwnership();
    GuildHost a = pod(10, fanout, own, 1000);
    Users.User alice = a.createUser("alice", "", false);
    GuildState g = a.createGuild("Moving", alice.id()).join();
    a.join(g.id(), "s", 82, alice.id(), "p", Intents.GUILDS, 50, 0, null).join();

    own.test = id -> false;
    assertThat(a.ringChanged().join()).isZero();
    // a session pod that missed this ring version learns of the move from the old owner
    Await.until(() -> rejoinsSentTo(82) == 1, "_REJOIN sent");
    assertThat(a.activeGuilds()).isZero();
  }

  @Test
  void ringChangeSeenWithoutTheMoveBetween_guildClaimedElsewhere_reloadedAndSessionsToldToRejoin() throws InterruptedException {
    // pod a owns the guild in the ring before and after; in between (a version it did not see,
    // frozen or cut off) pod b owned it, loaded it and took a write
    FlippingOwnership own = new FlippingOwnership();
    GuildHost a = pod(11, fanout, own, 1000);
    Users.User alice = a.createUser("alice", "", false);
    GuildState g = a.createGuild("Moving", alice.id()).join();
    GuildState.Channel c = new GuildCommands(a).createChannel(g.id(), "general", "").join();
    long seen = new GuildCommands(a).createMessage(g.id(), c.id(), alice.id(), "seen", "").join().id();
    JoinResult first = a.join(g.id(), "s", 83, alice.id(), "p", Intents.GUILD_MESSAGES, 50, 0, null).join();
    GuildHost b = pod(12, NONE, Ownership.ALL, 1000);
    new GuildCommands(b).createMessage(g.id(), c.id(), alice.id(), "written on b", "").join();

    assertThat(a.ringChanged().join()).isEqualTo(1);
    Await.until(() -> rejoinsSentTo(83) == 1, "_REJOIN sent");
    // the re-join reloads the guild (claiming it back) and catches up on b's write
    JoinResult again = a.join(g.id(), "s", 83, alice.id(), "p", Intents.GUILD_MESSAGES, 50, seen, null).join();
    assertThat(again.catchUp()).extracting(m -> JsonMapper.builder().build().readTree(m).path("content").asString()).containsExactly("written on b");
    assertThat(again.snapshotSeq()).isGreaterThan(first.snapshotSeq());
    // the reloaded copy is current: the next ring change keeps it
    assertThat(a.ringChanged().join()).isZero();
    assertThat(a.activeGuilds()).isEqualTo(1);
    assertThat(rejoinsSentTo(83)).isEqualTo(1);
  }

  /** The _REJOIN events published to the session with this key (a loop thread may be adding). */
  private long rejoinsSentTo(long sessionKey) {
    synchronized (published) {
      return published.stream().filter(p -> p.type().equals("_REJOIN") && p.recipients().contains(sessionKey)).count();
    }
  }

  @Test
  void nulCharacter_refusedAsBadInput_neverReachesTheStore() {
    Users.User alice = host.createUser("alice", "", false);
    GuildState g = host.createGuild("Guild", alice.id()).join();
    GuildState.Channel c = new GuildCommands(host).createChannel(g.id(), "general", "").join();
    assertThatThrownBy(() -> new GuildCommands(host).createMessage(g.id(), c.id(), alice.id(), "a\u0000b", ""))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.kind()).isEqualTo(GuildException.Kind.INVALID_ARGUMENT))
        .hasMessageContaining("NUL");
    assertThatThrownBy(() -> new GuildCommands(host).createChannel(g.id(), "bad\u0000name", "")).hasMessageContaining("NUL");
    assertThat(new GuildCommands(host).createMessage(g.id(), c.id(), alice.id(), "fine", "").join().id()).isPositive();
  }
}
