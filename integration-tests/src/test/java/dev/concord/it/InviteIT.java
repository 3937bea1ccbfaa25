package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.testkit.Await;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Invites over REST between people with accounts: create, look up, join (GUILD_CREATE to the
 * joiner's open socket, GUILD_MEMBER_ADD to the others), use limits, expiry, who may delete.
 */
class InviteIT {
  static final String SECRET = "invite-test-secret-0123456789abcdefghij";
  static final Duration WAIT = Duration.ofSeconds(10);
  /** GUILDS | GUILD_MEMBERS | GUILD_MESSAGES | MESSAGE_CONTENT. */
  static final long INTENTS = 1 | 2 | 512 | 32768;

  static SuiteFixture fixture;
  static RestClient rest;

  @BeforeAll
  static void start() {
    fixture = new SuiteFixture(SECRET);
    rest = new RestClient(fixture.suite.gatewayUrl());
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

  /** Registers a person; answers {user_id, token}. */
  private static JsonNode person(String name) throws Exception {
    RestClient.Response r = rest.call("POST", "/auth/register", null, "{\"username\":\"" + name + "\",\"password\":\"" + name + "-password\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json();
  }

  private static String token(JsonNode person) {
    return person.path("token").asString();
  }

  /** A guild of {@code owner}'s with its first channel: {guild id, channel id}. */
  private static String[] guildOf(JsonNode owner, String name) throws Exception {
    RestClient.Response g = rest.call("POST", "/guilds", token(owner), "{\"name\":\"" + name + "\"}");
    assertThat(g.status()).as(g.toString()).isEqualTo(201);
    String guild = g.json().path("id").asString();
    RestClient.Response channel = rest.call("POST", "/guilds/" + guild + "/channels", token(owner), "{\"name\":\"general\"}");
    assertThat(channel.status()).as(channel.toString()).isEqualTo(201);
    return new String[] {guild, channel.json().path("id").asString()};
  }

  private static GatewayClient online(JsonNode person) throws Exception {
    GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"));
    assertThat(c.next(WAIT).path("op").asInt()).isEqualTo(10);
    c.identify(token(person), INTENTS);
    c.nextDispatch("READY", WAIT);
    return c;
  }

  @Test
  void joinByInvite_theJoinerGetsGuildCreate_theOthersGuildMemberAdd_andUsesAreLimited() throws Exception {
    JsonNode alice = person("alice-inv");
    JsonNode bob = person("bob-inv");
    String[] g = guildOf(alice, "Alice's guild");

    RestClient.Response created = rest.call("POST", "/channels/" + g[1] + "/invites", token(alice), "{\"max_uses\":2,\"max_age\":3600}");
    assertThat(created.status()).as(created.toString()).isEqualTo(200);
    String code = created.json().path("code").asString();
    assertThat(code).hasSize(8);
    assertThat(created.json().path("guild").path("name").asString()).isEqualTo("Alice's guild");
    assertThat(created.json().path("channel").path("id").asString()).isEqualTo(g[1]);
    assertThat(created.json().path("inviter").path("username").asString()).isEqualTo("alice-inv");
    assertThat(created.json().path("max_uses").asInt()).isEqualTo(2);
    assertThat(created.json().path("uses").asInt()).isZero();
    assertThat(created.json().path("expires_at").isString()).isTrue();

    try (GatewayClient aliceWs = online(alice);
        GatewayClient bobWs = online(bob)) {
      aliceWs.nextDispatch("GUILD_CREATE", WAIT);
      RestClient.Response seen = rest.get("/invites/" + code, token(bob));
      assertThat(seen.status()).as(seen.toString()).isEqualTo(200);
      assertThat(seen.json().path("approximate_member_count").asInt()).isEqualTo(1);

      RestClient.Response joined = rest.call("POST", "/invites/" + code, token(bob), null);
      assertThat(joined.status()).as(joined.toString()).isEqualTo(200);
      JsonNode guildCreate = bobWs.nextDispatch("GUILD_CREATE", WAIT);
      assertThat(guildCreate.path("d").path("id").asString()).isEqualTo(g[0]);
      JsonNode added = aliceWs.nextDispatch("GUILD_MEMBER_ADD", WAIT);
      assertThat(added.path("d").path("user").path("id").asString()).isEqualTo(bob.path("user_id").asString());

      // bob now gets the guild's messages
      rest.call("POST", "/channels/" + g[1] + "/messages", token(alice), "{\"content\":\"welcome bob\"}");
      assertThat(bobWs.nextDispatch("MESSAGE_CREATE", WAIT).path("d").path("content").asString()).isEqualTo("welcome bob");
    }

    // joining again uses nothing; a second person takes the last use; a third finds it used up
    assertThat(rest.call("POST", "/invites/" + code, token(bob), null).status()).isEqualTo(200);
    assertThat(rest.call("POST", "/invites/" + code, token(person("carol-inv")), null).status()).isEqualTo(200);
    RestClient.Response usedUp = rest.call("POST", "/invites/" + code, token(person("dave-inv")), null);
    assertThat(usedUp.status()).isEqualTo(404);
    assertThat(usedUp.json().path("code").asInt()).isEqualTo(10006);
    assertThat(rest.get("/guilds/" + g[0] + "/members?limit=10", token(alice)).json().size()).isEqualTo(3);
  }

  @Test
  void expiredInvites_areUnknown() throws Exception {
    JsonNode erin = person("erin-inv");
    String[] g = guildOf(erin, "Erin's guild");
    String code = rest.call("POST", "/channels/" + g[1] + "/invites", token(erin), "{\"max_age\":1}").json().path("code").asString();
    assertThat(rest.get("/invites/" + code, token(erin)).status()).isEqualTo(200);
    Await.until(() -> status("/invites/" + code, token(erin)) == 404, Duration.ofSeconds(10), "the invite expires after 1 s");
    assertThat(rest.call("POST", "/invites/" + code, token(person("frank-inv")), null).json().path("code").asInt()).isEqualTo(10006);
    assertThat(rest.get("/invites/nope1234", token(erin)).json().path("code").asInt()).isEqualTo(10006);
  }

  @Test
  void onlyMembersCreate_andOnlyTheInviterOrAManagerDeletes() throws Exception {
    JsonNode gina = person("gina-inv");
    JsonNode hank = person("hank-inv");
    String[] g = guildOf(gina, "Gina's guild");
    RestClient.Response outsider = rest.call("POST", "/channels/" + g[1] + "/invites", token(hank), "{}");
    assertThat(outsider.status()).as(outsider.toString()).isEqualTo(403);
    RestClient.Response bad = rest.call("POST", "/channels/" + g[1] + "/invites", token(gina), "{\"max_uses\":1000}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().path("code").asInt()).isEqualTo(50035);

    String code = rest.call("POST", "/channels/" + g[1] + "/invites", token(gina), "{}").json().path("code").asString();
    assertThat(rest.call("POST", "/invites/" + code, token(hank), null).status()).isEqualTo(200);
    RestClient.Response notHis = rest.call("DELETE", "/invites/" + code, token(hank), null);
    assertThat(notHis.status()).as(notHis.toString()).isEqualTo(403);
    assertThat(notHis.json().path("code").asInt()).isEqualTo(50013);
    RestClient.Response deleted = rest.call("DELETE", "/invites/" + code, token(gina), null);
    assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
    assertThat(deleted.json().path("code").asString()).isEqualTo(code);
    assertThat(rest.get("/invites/" + code, token(gina)).status()).isEqualTo(404);
  }

  @Test
  void aBotAddedByABackend_getsGuildCreateOnItsOpenSocket() throws Exception {
    var api = dev.concord.proto.guild.v1.GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()));
    var bot = api.createUser(dev.concord.proto.guild.v1.CreateUserRequest.newBuilder().setUsername("helper-bot").setBot(true).build());
    var owner = api.createUser(dev.concord.proto.guild.v1.CreateUserRequest.newBuilder().setUsername("owner-inv").build());
    var guild = api.createGuild(dev.concord.proto.guild.v1.CreateGuildRequest.newBuilder().setName("Backend guild").setOwnerId(owner.getId()).build());
    String token = new dev.concord.protocol.TokenVerifier(SECRET).sign(bot.getId(), 600);
    try (GatewayClient ws = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      ws.next(WAIT);
      ws.identify(token, INTENTS);
      assertThat(ws.nextDispatch("READY", WAIT).path("d").path("guilds").size()).isZero();
      api.addMember(dev.concord.proto.guild.v1.AddMemberRequest.newBuilder().setGuildId(guild.getId()).setUserId(bot.getId()).build());
      JsonNode created = ws.nextDispatch("GUILD_CREATE", WAIT);
      assertThat(created.path("d").path("id").asString()).isEqualTo(Long.toUnsignedString(guild.getId()));
      assertThat(created.path("d").path("name").asString()).isEqualTo("Backend guild");
    }
  }

  private static int status(String path, String token) {
    try {
      return rest.get(path, token).status();
    } catch (Exception e) {
      return -1;
    }
  }
}
