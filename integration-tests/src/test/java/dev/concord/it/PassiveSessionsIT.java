package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.DemoSeed;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.Message;
import dev.concord.protocol.Intents;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Passive sessions through the whole suite, with a real WebSocket client: a client that IDENTIFYs
 * with the PASSIVE_GUILD_UPDATE capability gets, in a guild it is not looking at, the message that
 * mentions it and one unread marker instead of the others; op 14 then sends it exactly what it
 * skipped, in order, and live messages after.
 */
class PassiveSessionsIT {
  static final String SECRET = "passive-sessions-test-secret-0123456789ab";
  static final Duration WAIT = Duration.ofSeconds(10);
  static final long INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;

  static SuiteFixture fixture;
  static DemoSeed.Demo demo;

  @BeforeAll
  static void start() {
    fixture = new SuiteFixture(SECRET);
    demo = fixture.demo;
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static Message post(String content) {
    return GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .createMessage(
            CreateMessageRequest.newBuilder()
                .setGuildId(demo.guildId())
                .setChannelId(demo.channelId())
                .setAuthorId(demo.users().get(1).id())
                .setContent(content)
                .build());
  }

  @Test
  void aPassiveClientGetsMentionsAndUnreadMarkers_thenWhatItSkippedInOrder() throws Exception {
    try (GatewayClient alice = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      alice.next(WAIT);
      alice.send(
          "{\"op\":2,\"d\":{\"token\":\"" + demo.users().get(0).token() + "\",\"intents\":" + INTENTS
              + ",\"capabilities\":2048,\"properties\":{\"os\":\"linux\",\"browser\":\"Chrome\",\"device\":\"\"}}}");
      alice.nextDispatch("GUILD_CREATE", WAIT);
      String aliceId = Long.toUnsignedString(demo.users().get(0).id());

      Message first = post("not for alice 1");
      Message mention = post("hey <@" + aliceId + ">");
      Message third = post("not for alice 2");

      // every dispatch until the unread marker names the third message: the mention is the only
      // message; markers are batched per second (usually one), each naming the channel's newest
      List<String> messages = new ArrayList<>();
      JsonNode marker = null;
      while (marker == null) {
        JsonNode f = alice.next(WAIT);
        switch (f.path("t").asString("")) {
          case "MESSAGE_CREATE" -> messages.add(f.path("d").path("id").asString());
          case "PASSIVE_UPDATE_V1" -> {
            assertThat(f.path("d").path("guild_id").asString()).isEqualTo(Long.toUnsignedString(demo.guildId()));
            JsonNode channel = f.path("d").path("channels").get(0);
            assertThat(channel.path("id").asString()).isEqualTo(Long.toUnsignedString(demo.channelId()));
            if (channel.path("last_message_id").asString().equals(Long.toUnsignedString(third.getId()))) {
              marker = f;
            }
          }
          default -> {}
        }
      }
      assertThat(messages).containsExactly(Long.toUnsignedString(mention.getId()));

      // alice opens the guild: the two messages she skipped, in order, then live ones
      alice.send("{\"op\":14,\"d\":{\"guild_id\":\"" + Long.toUnsignedString(demo.guildId()) + "\",\"typing\":true,\"channels\":{}}}");
      Message after = post("live again");
      List<String> ids = new ArrayList<>();
      long lastSeq = marker.path("s").asLong();
      for (int i = 0; i < 3; i++) {
        JsonNode m = alice.nextDispatch("MESSAGE_CREATE", WAIT);
        ids.add(m.path("d").path("id").asString());
        assertThat(m.path("s").asLong()).isGreaterThan(lastSeq);
        lastSeq = m.path("s").asLong();
      }
      assertThat(ids)
          .containsExactly(
              Long.toUnsignedString(first.getId()), Long.toUnsignedString(third.getId()), Long.toUnsignedString(after.getId()));
    }
  }

  /** A client's copy of the first 100 items of the member list, kept by applying the ops it gets. */
  private static final class ListModel {
    final List<String> items = new ArrayList<>();
    final List<String> ops = new ArrayList<>();

    void apply(JsonNode d) {
      for (JsonNode op : d.path("ops")) {
        String kind = op.path("op").asString();
        ops.add(kind + " " + op.path("index").asInt(op.path("range").path(0).asInt()));
        switch (kind) {
          case "SYNC" -> {
            items.clear();
            op.path("items").forEach(i -> items.add(name(i)));
          }
          case "INSERT" -> items.add(op.path("index").asInt(), name(op.path("item")));
          case "UPDATE" -> items.set(op.path("index").asInt(), name(op.path("item")));
          case "DELETE" -> items.remove(op.path("index").asInt());
          default -> throw new AssertionError("unknown op " + op);
        }
      }
    }

    private static String name(JsonNode item) {
      return item.has("group") ? "group" : item.path("member").path("user").path("username").asString();
    }

    /** Applies updates until the list is {@code expected} (each update waited for at most WAIT). */
    void until(GatewayClient c, List<String> expected) throws InterruptedException {
      while (!items.equals(expected)) {
        apply(c.nextDispatch("GUILD_MEMBER_LIST_UPDATE", WAIT).path("d"));
      }
    }
  }

  @Test
  void aLazyMemberList_syncsItsRange_thenInsertsAndDeletesAsMembersComeAndGo() throws Exception {
    try (GatewayClient alice = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      alice.next(WAIT);
      alice.send(
          "{\"op\":2,\"d\":{\"token\":\"" + demo.users().get(0).token() + "\",\"intents\":" + INTENTS
              + ",\"capabilities\":2048,\"properties\":{\"os\":\"linux\",\"browser\":\"Chrome\",\"device\":\"\"}}}");
      alice.nextDispatch("GUILD_CREATE", WAIT);
      // alice shows the first 100 items of the list: she is online (her own IDENTIFY; if her
      // presence is still on its way, an INSERT brings her), bob is not
      alice.send(
          "{\"op\":14,\"d\":{\"guild_id\":\"" + Long.toUnsignedString(demo.guildId()) + "\",\"channels\":{\""
              + Long.toUnsignedString(demo.channelId()) + "\":[[0,99]]}}}");
      ListModel list = new ListModel();
      list.until(alice, List.of("group", "alice"));
      assertThat(list.ops.getFirst()).isEqualTo("SYNC 0");

      // bob comes online: inserted where his name sorts (after alice)
      try (GatewayClient bob = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
        bob.next(WAIT);
        bob.identify(demo.users().get(1).token(), INTENTS);
        bob.nextDispatch("GUILD_CREATE", WAIT);
        list.until(alice, List.of("group", "alice", "bob"));
        assertThat(list.ops.getLast()).isEqualTo("INSERT 2");
      }
      // bob leaves (close 1000 ends his session and his presence): deleted
      list.until(alice, List.of("group", "alice"));
      assertThat(list.ops.getLast()).isEqualTo("DELETE 2");
      System.out.println("alice's member list ops: " + list.ops);
    }
  }

  @Test
  void aMemberListRangeOfMoreThan100ItemsClosesWithDecodeError() throws Exception {
    try (GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      c.next(WAIT);
      c.identify(demo.users().get(0).token(), INTENTS);
      c.nextDispatch("GUILD_CREATE", WAIT);
      c.send("{\"op\":14,\"d\":{\"guild_id\":\"" + Long.toUnsignedString(demo.guildId()) + "\",\"channels\":{\"1\":[[0,500]]}}}");
      assertThat(c.awaitClose(WAIT)).isEqualTo(4002);
    }
  }

  @Test
  void aGuildSubscriptionWithoutAGuildIdClosesWithDecodeError() throws Exception {
    try (GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      c.next(WAIT);
      c.identify(demo.users().get(0).token(), INTENTS);
      c.nextDispatch("GUILD_CREATE", WAIT);
      c.send("{\"op\":14,\"d\":{\"typing\":true}}");
      assertThat(c.awaitClose(WAIT)).isEqualTo(4002);
    }
  }
}
