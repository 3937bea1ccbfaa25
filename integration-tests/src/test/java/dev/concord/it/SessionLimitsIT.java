package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The per-user session bound (concord.session.max-sessions-per-user, here 2) with real WebSocket
 * clients through the gateway: a third IDENTIFY of the same user is closed with 4008, and a
 * session that ends gives its place back. And a bot's identify buckets (max_concurrency 2, one
 * session per bucket per 2 s here): a shard whose bucket just started one gets INVALID_SESSION and
 * identifies again on the same socket (shards of different buckets starting together:
 * SessionManagerTest).
 */
class SessionLimitsIT {
  static final String SECRET = "session-limits-test-secret-0123456789abc";
  static final Duration WAIT = Duration.ofSeconds(10);
  static final Duration BUCKET_WINDOW = Duration.ofSeconds(2);

  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    fixture =
        new SuiteFixture(
            LocalSuite.Options.defaults(SECRET)
                .withExtra(
                    List.of(
                        "--concord.session.max-sessions-per-user=2",
                        "--concord.session.max-concurrency=2",
                        "--concord.gateway.max-concurrency=2",
                        "--concord.session.identify-concurrency-window=" + BUCKET_WINDOW.toSeconds() + "s")));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static GatewayClient identified(String token) throws InterruptedException {
    GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"));
    c.next(WAIT);
    c.identify(token, 513);
    return c;
  }

  @Test
  void aThirdSessionOfOneUser_isClosed4008_untilOneEnds() throws Exception {
    String token = fixture.demo.users().get(1).token();
    try (GatewayClient first = identified(token);
        GatewayClient second = identified(token)) {
      first.nextDispatch("READY", WAIT);
      second.nextDispatch("READY", WAIT);
      try (GatewayClient third = identified(token)) {
        int code = third.awaitClose(WAIT);
        System.out.println("third session of one user closed with " + code);
        assertThat(code).isEqualTo(4008);
      }
      // another user is not affected
      try (GatewayClient other = identified(fixture.demo.users().get(0).token())) {
        assertThat(other.nextDispatch("READY", WAIT).path("d").path("session_id").asString()).isNotEmpty();
      }
      // the first ends its session (close 1000): its place comes back
      first.close();
      GatewayClient again = null;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (again == null) {
        GatewayClient c = identified(token);
        try {
          c.nextDispatch("READY", Duration.ofSeconds(2));
          again = c;
        } catch (AssertionError refused) {
          c.close(); // the session pod had not seen the first close yet: bounded retry
          if (System.nanoTime() > deadline) {
            throw new AssertionError("no session for the user within " + WAIT + " after one ended", refused);
          }
        }
      }
      again.close();
    }
  }

  @Test
  void aBotShardWhoseBucketJustStartedOne_getsInvalidSession_andIdentifiesAgain() throws Exception {
    var api = dev.concord.proto.guild.v1.GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()));
    long bot =
        api.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
            .createUser(dev.concord.proto.guild.v1.CreateUserRequest.newBuilder().setUsername("shard-bot").setBot(true).build())
            .getId();
    String token = new dev.concord.protocol.TokenVerifier(SECRET).sign(bot, 3600);
    // what the gateway advertises is what the session pod enforces
    JsonNode limit = gatewayBot(token).path("session_start_limit");
    assertThat(limit.path("max_concurrency").asInt()).isEqualTo(2);
    int remaining = limit.path("remaining").asInt();
    try (GatewayClient shard0 = shard(token, 0)) {
      shard0.nextDispatch("READY", WAIT);
      // the bucket's session started before this READY reached us (monotonic clocks on both sides)
      long windowEnds = System.nanoTime() + BUCKET_WINDOW.toNanos();
      // shard 2 of 4 falls in shard 0's bucket (2 % 2), which started a session a moment ago
      try (GatewayClient shard2 = shard(token, 2)) {
        JsonNode first = shard2.next(WAIT);
        System.out.println("shard 2 identified right after shard 0: " + first);
        assertThat(first.path("op").asInt()).isEqualTo(9);
        assertThat(first.path("d").asBoolean()).isFalse();
        // as a client library does: wait out the window, then IDENTIFY again on the same socket;
        // the time window is what is under test, so this waits for a time, not for a state
        long pause = windowEnds - System.nanoTime();
        if (pause > 0) {
          Thread.sleep(pause / 1_000_000 + 1);
        }
        shard2.send(identifyJson(token, 2));
        JsonNode answer = shard2.next(WAIT);
        System.out.println("shard 2 identified again once the bucket window passed: " + answer.path("t").asString());
        assertThat(answer.path("t").asString()).isEqualTo("READY");
        assertThat(answer.path("d").path("shard").get(0).asInt()).isEqualTo(2);
      }
      // two sessions started; the refused IDENTIFYs cost none
      assertThat(gatewayBot(token).path("session_start_limit").path("remaining").asInt()).isEqualTo(remaining - 2);
    }
  }

  private static JsonNode gatewayBot(String token) throws Exception {
    try (var http = java.net.http.HttpClient.newHttpClient()) {
      var response =
          http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + fixture.suite.ports().gatewayHttp() + "/api/v10/gateway/bot"))
                  .header("Authorization", "Bot " + token)
                  .timeout(WAIT)
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      return tools.jackson.databind.json.JsonMapper.builder().build().readTree(response.body());
    }
  }

  private static GatewayClient shard(String token, int shard) throws InterruptedException {
    GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"));
    c.next(WAIT);
    c.send(identifyJson(token, shard));
    return c;
  }

  private static String identifyJson(String token, int shard) {
    return "{\"op\":2,\"d\":{\"token\":\"" + token + "\",\"intents\":513,\"shard\":[" + shard + ",4],"
        + "\"properties\":{\"os\":\"linux\",\"browser\":\"it\",\"device\":\"it\"}}}";
  }
}
