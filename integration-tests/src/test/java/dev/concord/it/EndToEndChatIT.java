package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.DemoSeed;
import dev.concord.proto.guild.v1.AddMemberRoleRequest;
import dev.concord.proto.guild.v1.Channel;
import dev.concord.proto.guild.v1.CreateChannelRequest;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.CreateRoleRequest;
import dev.concord.proto.guild.v1.PermissionOverwrite;
import dev.concord.proto.guild.v1.Role;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.Message;
import dev.concord.protocol.Intents;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The walking skeleton end to end: five services in one JVM over real gRPC on loopback, two real
 * WebSocket clients, a message created through the gRPC guild API.
 */
class EndToEndChatIT {
  static final String SECRET = "end-to-end-test-secret-0123456789abcdef";
  static final Duration WAIT = Duration.ofSeconds(10);
  static final long INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT | Intents.GUILD_PRESENCES;

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

  private static String url() {
    return fixture.url("v=10&encoding=json");
  }

  @Test
  void message_reachesBothMembers_withSameIdAndConsecutiveSeq() throws Exception {
    try (GatewayClient alice = GatewayClient.connect(url());
        GatewayClient bob = GatewayClient.connect(url())) {
      for (GatewayClient c : List.of(alice, bob)) {
        JsonNode hello = c.next(WAIT);
        assertThat(hello.path("op").asInt()).isEqualTo(10);
        assertThat(hello.path("d").path("heartbeat_interval").asLong()).isPositive();
      }
      alice.identify(demo.users().get(0).token(), INTENTS);
      bob.identify(demo.users().get(1).token(), INTENTS);

      for (GatewayClient c : List.of(alice, bob)) {
        JsonNode ready = c.nextDispatch("READY", WAIT);
        assertThat(ready.path("s").asLong()).isEqualTo(1);
        assertThat(ready.path("d").path("v").asInt()).isEqualTo(10);
        assertThat(ready.path("d").path("session_id").asString()).matches("[0-9a-f]{32}\\.session-0");
        assertThat(ready.path("d").path("resume_gateway_url").asString()).startsWith("ws://");
        assertThat(ready.path("d").path("guilds").get(0).path("id").asString())
            .isEqualTo(Long.toUnsignedString(demo.guildId()));
        assertThat(ready.path("d").path("guilds").get(0).path("unavailable").asBoolean()).isTrue();

        JsonNode guild = c.nextDispatch("GUILD_CREATE", WAIT);
        assertThat(guild.path("s").asLong()).isEqualTo(2);
        assertThat(guild.path("d").path("name").asString()).isEqualTo("Concord Demo");
        assertThat(guild.path("d").path("unavailable").asBoolean()).isFalse();
        assertThat(guild.path("d").path("member_count").asInt()).isEqualTo(2);
        JsonNode channel = guild.path("d").path("channels").get(0);
        assertThat(channel.path("id").asString()).isEqualTo(Long.toUnsignedString(demo.channelId()));
        assertThat(channel.path("type").asInt()).isZero();
        assertThat(channel.path("guild_id").asString()).isEqualTo(Long.toUnsignedString(demo.guildId()));
      }

      var api = GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()));
      // every dispatch (MESSAGE_CREATE or any other, e.g. PRESENCE_UPDATE) takes the next s
      long[] lastSeq = {2, 2}; // READY = 1, GUILD_CREATE = 2
      for (int i = 0; i < 3; i++) {
        Message m =
            api.withDeadlineAfter(5, TimeUnit.SECONDS)
                .createMessage(
                    CreateMessageRequest.newBuilder()
                        .setGuildId(demo.guildId())
                        .setChannelId(demo.channelId())
                        .setAuthorId(demo.users().get(0).id())
                        .setContent("hello #" + i)
                        .setNonce("n" + i)
                        .build());
        JsonNode a = nextMessage(alice, lastSeq, 0);
        JsonNode b = nextMessage(bob, lastSeq, 1);
        String id = Long.toUnsignedString(m.getId());
        assertThat(a.path("d").path("id").asString()).isEqualTo(id);
        assertThat(b.path("d").path("id").asString()).isEqualTo(id);
        assertThat(b.path("d").path("content").asString()).isEqualTo("hello #" + i);
        assertThat(b.path("d").path("author").path("username").asString()).isEqualTo("alice");
        assertThat(b.path("d").path("channel_id").asString()).isEqualTo(Long.toUnsignedString(demo.channelId()));
      }
    }
  }

  @Test
  void sessionsWithoutMessageIntent_getNoMessages_butPresenceFlows() throws Exception {
    try (GatewayClient watcher = GatewayClient.connect(url());
        GatewayClient quiet = GatewayClient.connect(url())) {
      watcher.next(WAIT);
      quiet.next(WAIT);
      // alice watches presences; bob asks for GUILDS only
      watcher.identify(demo.users().get(0).token(), Intents.GUILDS | Intents.GUILD_PRESENCES);
      watcher.nextDispatch("GUILD_CREATE", WAIT);
      quiet.identify(demo.users().get(1).token(), Intents.GUILDS);
      quiet.nextDispatch("GUILD_CREATE", WAIT);

      // alice's own presence may come first; wait for bob's coming online
      String bobId = Long.toUnsignedString(demo.users().get(1).id());
      JsonNode presence;
      do {
        presence = watcher.nextDispatch("PRESENCE_UPDATE", WAIT);
      } while (!bobId.equals(presence.path("d").path("user").path("id").asString())
          || !"online".equals(presence.path("d").path("status").asString()));
      assertThat(presence.path("d").path("client_status").path("desktop").asString()).isEqualTo("online");
      assertThat(presence.path("d").path("guild_id").asString()).isEqualTo(Long.toUnsignedString(demo.guildId()));

      GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()))
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .createMessage(
              CreateMessageRequest.newBuilder()
                  .setGuildId(demo.guildId())
                  .setChannelId(demo.channelId())
                  .setAuthorId(demo.users().get(1).id())
                  .setContent("nobody with these intents sees this")
                  .build());
      // bob's own presence change reaches nobody without GUILD_PRESENCES; the message reaches
      // neither session. A heartbeat round trip proves everything before it was delivered.
      quiet.send("{\"op\":1,\"d\":null}");
      watcher.send("{\"op\":1,\"d\":null}");
      assertThat(awaitAck(quiet)).noneMatch(f -> f.path("op").asInt() == 0);
      assertThat(awaitAck(watcher)).noneMatch(f -> "MESSAGE_CREATE".equals(f.path("t").asString()));
    }
  }

  /** The next MESSAGE_CREATE, checking that every dispatch before it took exactly the next s. */
  static JsonNode nextMessage(GatewayClient c, long[] lastSeq, int who) throws InterruptedException {
    while (true) {
      JsonNode f = c.next(WAIT);
      if (f.path("op").asInt() != 0) {
        continue;
      }
      assertThat(f.path("s").asLong()).as("s rises by exactly one per dispatch").isEqualTo(lastSeq[who] + 1);
      lastSeq[who] = f.path("s").asLong();
      if ("MESSAGE_CREATE".equals(f.path("t").asString())) {
        return f;
      }
    }
  }

  /** Frames up to and including the next heartbeat ACK. */
  static List<JsonNode> awaitAck(GatewayClient c) throws InterruptedException {
    List<JsonNode> seen = new java.util.ArrayList<>();
    while (true) {
      JsonNode f = c.next(WAIT);
      if (f.path("op").asInt() == 11) {
        return seen;
      }
      seen.add(f);
    }
  }

  @Test
  void privateChannel_onlyMembersWhoCanViewItGetItsMessages() throws Exception {
    var api = GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
    long guild = demo.guildId();
    Role staff = api.createRole(CreateRoleRequest.newBuilder().setGuildId(guild).setName("staff").build());
    Channel secret =
        api.createChannel(
            CreateChannelRequest.newBuilder()
                .setGuildId(guild)
                .setName("staff-only")
                .addOverwrites(PermissionOverwrite.newBuilder().setId(guild).setType(0).setDeny(1L << 10))
                .addOverwrites(PermissionOverwrite.newBuilder().setId(staff.getId()).setType(0).setAllow(1L << 10))
                .build());
    try (GatewayClient alice = GatewayClient.connect(url());
        GatewayClient bob = GatewayClient.connect(url())) {
      alice.next(WAIT);
      bob.next(WAIT);
      alice.identify(demo.users().get(0).token(), INTENTS);
      bob.identify(demo.users().get(1).token(), INTENTS);
      JsonNode aliceGuild = alice.nextDispatch("GUILD_CREATE", WAIT);
      JsonNode bobGuild = bob.nextDispatch("GUILD_CREATE", WAIT);
      assertThat(names(aliceGuild)).contains("staff-only");
      assertThat(names(bobGuild)).doesNotContain("staff-only");

      api.createMessage(message(secret.getId(), "for staff only"));
      assertThat(alice.nextDispatch("MESSAGE_CREATE", WAIT).path("d").path("content").asString()).isEqualTo("for staff only");
      bob.send("{\"op\":1,\"d\":null}");
      assertThat(awaitAck(bob)).noneMatch(f -> "MESSAGE_CREATE".equals(f.path("t").asString()));

      api.addMemberRole(
          AddMemberRoleRequest.newBuilder().setGuildId(guild).setUserId(demo.users().get(1).id()).setRoleId(staff.getId()).build());
      api.createMessage(message(secret.getId(), "welcome to staff"));
      assertThat(bob.nextDispatch("MESSAGE_CREATE", WAIT).path("d").path("content").asString()).isEqualTo("welcome to staff");
    }
  }

  private static CreateMessageRequest message(long channel, String content) {
    return CreateMessageRequest.newBuilder()
        .setGuildId(demo.guildId())
        .setChannelId(channel)
        .setAuthorId(demo.users().get(0).id())
        .setContent(content)
        .build();
  }

  private static List<String> names(JsonNode guildCreate) {
    List<String> out = new java.util.ArrayList<>();
    guildCreate.path("d").path("channels").forEach(c -> out.add(c.path("name").asString()));
    return out;
  }
}
