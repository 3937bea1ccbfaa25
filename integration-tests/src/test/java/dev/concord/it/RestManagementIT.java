package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.DemoSeed;
import dev.concord.proto.guild.v1.AddMemberRequest;
import dev.concord.proto.guild.v1.CreateUserRequest;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.protocol.Intents;
import dev.concord.protocol.TokenVerifier;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * The REST writes that manage a guild, against the in-JVM suite: channels and their overwrites,
 * roles and the role hierarchy, nicknames, kick, leave, guild rename and delete; each with its
 * permission check and the events the members' sessions receive.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RestManagementIT {
  static final String SECRET = "rest-manage-test-secret-0123456789abcdef";
  static final Duration WAIT = Duration.ofSeconds(10);
  static final long ALL_INTENTS = Intents.GUILDS | Intents.GUILD_MEMBERS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;

  static SuiteFixture fixture;
  static DemoSeed.Demo demo;
  static RestClient rest;
  static String alice;
  static String bob;
  static String guild;
  static String bobId;
  static TokenVerifier tokens = new TokenVerifier(SECRET);

  @BeforeAll
  static void start() {
    fixture = new SuiteFixture(SECRET);
    demo = fixture.demo;
    rest = new RestClient(fixture.suite.gatewayUrl());
    alice = demo.users().get(0).token();
    bob = demo.users().get(1).token();
    guild = Long.toUnsignedString(demo.guildId());
    bobId = Long.toUnsignedString(demo.users().get(1).id());
  }

  @AfterAll
  static void stop() {
    if (rest != null) {
      rest.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  private static GatewayClient connect(String token) throws Exception {
    GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"));
    c.next(WAIT);
    c.identify(token, ALL_INTENTS);
    c.nextDispatch("GUILD_CREATE", WAIT);
    return c;
  }

  /** A new member of the demo guild: its token. */
  private static String newMember(String name) {
    var api = GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress())).withDeadlineAfter(5, TimeUnit.SECONDS);
    long id = api.createUser(CreateUserRequest.newBuilder().setUsername(name).build()).getId();
    api.addMember(AddMemberRequest.newBuilder().setGuildId(demo.guildId()).setUserId(id).build());
    return tokens.sign(id, 3600);
  }

  private static void assertError(RestClient.Response r, int status, int code) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.json().path("code").asInt()).as(r.toString()).isEqualTo(code);
  }

  @Test
  void channels_createUpdateOverwriteDelete_withPermissionsAndEvents() throws Exception {
    try (GatewayClient watcher = connect(bob)) {
      assertError(rest.call("POST", "/guilds/" + guild + "/channels", bob, "{\"name\":\"nope\"}"), 403, 50013);
      RestClient.Response created = rest.call("POST", "/guilds/" + guild + "/channels", alice, "{\"name\":\"plans\",\"topic\":\"t\"}");
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
      String channel = created.json().path("id").asString();
      assertThat(watcher.nextDispatch("CHANNEL_CREATE", WAIT).path("d").path("id").asString()).isEqualTo(channel);

      JsonNode renamed = rest.call("PATCH", "/channels/" + channel, alice, "{\"name\":\"roadmap\",\"topic\":\"2027\"}").json();
      assertThat(renamed.path("name").asString()).isEqualTo("roadmap");
      assertThat(renamed.path("topic").asString()).isEqualTo("2027");
      assertThat(watcher.nextDispatch("CHANNEL_UPDATE", WAIT).path("d").path("name").asString()).isEqualTo("roadmap");
      assertError(rest.call("PATCH", "/channels/" + channel, bob, "{\"name\":\"x\"}"), 403, 50013);

      // hide it from @everyone: bob loses access; the overwrite removed, he has it back
      String denyView = "{\"type\":0,\"allow\":\"0\",\"deny\":\"1024\"}";
      assertThat(rest.call("PUT", "/channels/" + channel + "/permissions/" + guild, alice, denyView).status()).isEqualTo(204);
      assertError(rest.get("/channels/" + channel, bob), 403, 50001);
      assertThat(rest.call("DELETE", "/channels/" + channel + "/permissions/" + guild, alice, null).status()).isEqualTo(204);
      assertThat(rest.get("/channels/" + channel, bob).status()).isEqualTo(200);
      assertError(rest.call("PUT", "/channels/" + channel + "/permissions/" + guild, bob, denyView), 403, 50013);

      rest.call("POST", "/channels/" + channel + "/messages", bob, "{\"content\":\"soon gone\"}");
      RestClient.Response deleted = rest.call("DELETE", "/channels/" + channel, alice, null);
      assertThat(deleted.status()).isEqualTo(200);
      assertThat(deleted.json().path("id").asString()).isEqualTo(channel);
      assertThat(watcher.nextDispatch("CHANNEL_DELETE", WAIT).path("d").path("id").asString()).isEqualTo(channel);
      assertError(rest.get("/channels/" + channel + "/messages", bob), 404, 10003);
    }
  }

  @Test
  void roles_grantTheirPermissions_andFollowTheHierarchy() throws Exception {
    String carol = newMember("carol");
    try (GatewayClient watcher = connect(bob)) {
      assertError(rest.call("POST", "/guilds/" + guild + "/roles", bob, "{\"name\":\"x\"}"), 403, 50013);
      JsonNode role = rest.call("POST", "/guilds/" + guild + "/roles", alice, "{\"name\":\"mods\",\"permissions\":\"8192\"}").json();
      String roleId = role.path("id").asString();
      assertThat(role.path("permissions").asString()).isEqualTo("8192");
      assertThat(role.path("colors").has("primary_color")).isTrue();
      assertThat(watcher.nextDispatch("GUILD_ROLE_CREATE", WAIT).path("d").path("role").path("id").asString()).isEqualTo(roleId);

      String hers = rest.call("POST", "/channels/" + demo.channelId() + "/messages", carol, "{\"content\":\"carol's\"}").json().path("id").asString();
      assertError(rest.call("DELETE", "/channels/" + demo.channelId() + "/messages/" + hers, bob, null), 403, 50013);
      assertThat(rest.call("PUT", "/guilds/" + guild + "/members/" + bobId + "/roles/" + roleId, alice, null).status()).isEqualTo(204);
      JsonNode update = watcher.nextDispatch("GUILD_MEMBER_UPDATE", WAIT).path("d");
      assertThat(update.path("roles").toString()).contains(roleId);
      // MANAGE_MESSAGES through the role
      assertThat(rest.call("DELETE", "/channels/" + demo.channelId() + "/messages/" + hers, bob, null).status()).isEqualTo(204);
      // bob has no MANAGE_ROLES: he can neither grant nor edit roles
      assertError(rest.call("PUT", "/guilds/" + guild + "/members/" + bobId + "/roles/" + roleId, bob, null), 403, 50013);
      assertError(rest.call("PATCH", "/guilds/" + guild + "/roles/" + roleId, bob, "{\"name\":\"x\"}"), 403, 50013);

      JsonNode renamed = rest.call("PATCH", "/guilds/" + guild + "/roles/" + roleId, alice, "{\"name\":\"moderators\"}").json();
      assertThat(renamed.path("name").asString()).isEqualTo("moderators");
      assertThat(watcher.nextDispatch("GUILD_ROLE_UPDATE", WAIT).path("d").path("role").path("name").asString()).isEqualTo("moderators");
      assertThat(rest.call("DELETE", "/guilds/" + guild + "/members/" + bobId + "/roles/" + roleId, alice, null).status()).isEqualTo(204);
      assertThat(rest.call("DELETE", "/guilds/" + guild + "/roles/" + roleId, alice, null).status()).isEqualTo(204);
      assertThat(watcher.nextDispatch("GUILD_ROLE_DELETE", WAIT).path("d").path("role_id").asString()).isEqualTo(roleId);
      assertError(rest.call("DELETE", "/guilds/" + guild + "/roles/" + roleId, alice, null), 404, 10011);
      assertError(rest.call("DELETE", "/guilds/" + guild + "/roles/" + guild, alice, null), 400, 50035);
    }
  }

  @Test
  void members_nicknamesKickAndLeave() throws Exception {
    String dave = newMember("dave");
    String erin = newMember("erin");
    try (GatewayClient watcher = connect(alice);
        GatewayClient daves = connect(dave)) {
      JsonNode own = rest.call("PATCH", "/guilds/" + guild + "/members/@me", bob, "{\"nick\":\"bobby\"}").json();
      assertThat(own.path("nick").asString()).isEqualTo("bobby");
      assertThat(watcher.nextDispatch("GUILD_MEMBER_UPDATE", WAIT).path("d").path("nick").asString()).isEqualTo("bobby");
      assertError(
          rest.call("PATCH", "/guilds/" + guild + "/members/" + demo.users().get(0).id(), bob, "{\"nick\":\"x\"}"), 403, 50013);
      assertThat(rest.call("PATCH", "/guilds/" + guild + "/members/" + bobId, alice, "{\"nick\":null}").json().path("nick").isNull()).isTrue();

      String daveId = rest.get("/users/@me", dave).json().path("id").asString();
      assertError(rest.call("DELETE", "/guilds/" + guild + "/members/" + daveId, bob, null), 403, 50013);
      assertThat(rest.call("DELETE", "/guilds/" + guild + "/members/" + daveId, alice, null).status()).isEqualTo(204);
      assertThat(daves.nextDispatch("GUILD_DELETE", WAIT).path("d").path("id").asString()).isEqualTo(guild);
      JsonNode removed = watcher.nextDispatch("GUILD_MEMBER_REMOVE", WAIT).path("d");
      assertThat(removed.path("user").path("id").asString()).isEqualTo(daveId);
      assertError(rest.get("/guilds/" + guild, dave), 403, 50001);
      // the kicked member's session no longer receives the guild's messages
      String after = rest.call("POST", "/channels/" + demo.channelId() + "/messages", alice, "{\"content\":\"after the kick\"}").json().path("id").asString();
      assertThat(watcher.nextDispatch("MESSAGE_CREATE", WAIT).path("d").path("id").asString()).isEqualTo(after);
      assertThat(daves.drain()).noneMatch(f -> "MESSAGE_CREATE".equals(f.path("t").asString("")));

      assertThat(rest.call("DELETE", "/users/@me/guilds/" + guild, erin, null).status()).isEqualTo(204);
      assertThat(rest.get("/users/@me/guilds", erin).json().size()).isZero();
      assertError(rest.call("DELETE", "/users/@me/guilds/" + guild, alice, null), 403, 50013);
    }
  }

  @Test
  void guild_renameByManagersAndDeleteByOwner() throws Exception {
    String frank = tokens.sign(
        GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()))
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .createUser(CreateUserRequest.newBuilder().setUsername("frank").build())
            .getId(),
        3600);
    String own = rest.call("POST", "/guilds", frank, "{\"name\":\"Frank's\"}").json().path("id").asString();
    try (GatewayClient franks = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      franks.next(WAIT);
      franks.identify(frank, ALL_INTENTS);
      franks.nextDispatch("GUILD_CREATE", WAIT);
      JsonNode renamed = rest.call("PATCH", "/guilds/" + own, frank, "{\"name\":\"Frank's place\"}").json();
      assertThat(renamed.path("name").asString()).isEqualTo("Frank's place");
      assertThat(franks.nextDispatch("GUILD_UPDATE", WAIT).path("d").path("name").asString()).isEqualTo("Frank's place");
      assertError(rest.call("PATCH", "/guilds/" + guild, bob, "{\"name\":\"mine now\"}"), 403, 50013);
      assertError(rest.call("DELETE", "/guilds/" + guild, bob, null), 403, 50013);

      assertThat(rest.call("DELETE", "/guilds/" + own, frank, null).status()).isEqualTo(204);
      JsonNode gone = franks.nextDispatch("GUILD_DELETE", WAIT).path("d");
      assertThat(gone.path("id").asString()).isEqualTo(own);
      assertThat(gone.has("unavailable")).as("a deletion, not an outage").isFalse();
      assertError(rest.get("/guilds/" + own, frank), 404, 10004);
      assertThat(rest.get("/users/@me/guilds", frank).json().size()).isZero();
    }
  }
}
