package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
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

/** RESUME across gateway instances: exactly the missed dispatches, in order, then RESUMED, then live. */
class ResumeIT {
  static final String SECRET = "resume-test-secret-0123456789abcdef01";
  static final Duration WAIT = Duration.ofSeconds(10);
  static final long INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;
  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new SuiteFixture(LocalSuite.Options.defaults(SECRET).withGateways(2));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  static String post(String content) {
    return postTo(fixture, content);
  }

  static String postTo(SuiteFixture fixture, String content) {
    Message m =
        GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()))
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .createMessage(
                CreateMessageRequest.newBuilder()
                    .setGuildId(fixture.demo.guildId())
                    .setChannelId(fixture.demo.channelId())
                    .setAuthorId(fixture.demo.users().get(1).id())
                    .setContent(content)
                    .build());
    return Long.toUnsignedString(m.getId());
  }

  @Test
  void socketDrops_eventsContinue_resumeOnOtherGateway_exactlyTheMissedThenResumedThenLive() throws Exception {
    String token = fixture.demo.users().get(0).token();
    GatewayClient first = GatewayClient.connect(fixture.suite.gatewayUrl(0) + "/?v=10&encoding=json");
    first.next(WAIT);
    first.identify(token, INTENTS);
    String sessionId = first.nextDispatch("READY", WAIT).path("d").path("session_id").asString();
    first.nextDispatch("GUILD_CREATE", WAIT);
    long lastSeq = 0;
    for (int i = 0; i < 3; i++) {
      String id = post("before " + i);
      JsonNode f = first.nextDispatch("MESSAGE_CREATE", WAIT);
      assertThat(f.path("d").path("id").asString()).isEqualTo(id);
      lastSeq = f.path("s").asLong();
    }
    first.abort(); // no close frame: the network just went away

    List<String> missed = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      missed.add(post("missed " + i));
    }

    try (GatewayClient second = GatewayClient.connect(fixture.suite.gatewayUrl(1) + "/?v=10&encoding=json")) {
      second.next(WAIT); // HELLO
      second.resume(token, sessionId, lastSeq);
      long expect = lastSeq + 1;
      for (String id : missed) {
        JsonNode f = second.next(WAIT);
        assertThat(f.path("t").asString()).isEqualTo("MESSAGE_CREATE");
        assertThat(f.path("d").path("id").asString()).isEqualTo(id);
        assertThat(f.path("s").asLong()).isEqualTo(expect++);
      }
      JsonNode resumed = second.next(WAIT);
      assertThat(resumed.path("t").asString()).isEqualTo("RESUMED");
      assertThat(resumed.path("s").asLong()).isEqualTo(expect++);
      String live = post("live");
      JsonNode f = second.next(WAIT);
      assertThat(f.path("d").path("id").asString()).isEqualTo(live);
      assertThat(f.path("s").asLong()).isEqualTo(expect);
    }
  }

  /**
   * A heartbeat's seq tells the session what the client has: it drops those dispatches (an idle
   * session keeps no replay memory), a resume from that seq still gets the rest, and a resume from
   * before it is refused (op 9) since the client said it had them.
   */
  @Test
  void heartbeatSeq_dropsAcknowledged_resumeFromItWorks_fromBeforeItIsRefused() throws Exception {
    String token = fixture.demo.users().get(0).token();
    String url = fixture.suite.gatewayUrl(0) + "/?v=10&encoding=json";
    GatewayClient first = GatewayClient.connect(url);
    first.next(WAIT);
    first.identify(token, INTENTS);
    String sessionId = first.nextDispatch("READY", WAIT).path("d").path("session_id").asString();
    long guildCreateSeq = first.nextDispatch("GUILD_CREATE", WAIT).path("s").asLong();
    post("seen");
    long seen = first.nextDispatch("MESSAGE_CREATE", WAIT).path("s").asLong();
    first.send("{\"op\":1,\"d\":" + seen + "}");
    assertThat(first.next(WAIT).path("op").asInt()).isEqualTo(11);
    first.abort(); // the ack, then the loss, reach the session in this order over gateway 0's link
    String missed = post("missed");

    try (GatewayClient second = GatewayClient.connect(url)) {
      second.next(WAIT);
      second.resume(token, sessionId, seen);
      JsonNode f = second.next(WAIT);
      assertThat(f.path("d").path("id").asString()).isEqualTo(missed);
      assertThat(f.path("s").asLong()).isEqualTo(seen + 1);
      assertThat(second.next(WAIT).path("t").asString()).isEqualTo("RESUMED");
      second.abort();
    }
    try (GatewayClient third = GatewayClient.connect(url)) {
      third.next(WAIT);
      third.resume(token, sessionId, guildCreateSeq); // before the acknowledged seq
      JsonNode invalid = third.next(WAIT);
      assertThat(invalid.path("op").asInt()).isEqualTo(9);
      assertThat(invalid.path("d").asBoolean()).isFalse();
    }
  }

  @Test
  void resume_unknownSession_invalidSessionFalse_thenIdentifyOnSameSocketWorks() throws Exception {
    try (GatewayClient c = GatewayClient.connect(fixture.suite.gatewayUrl(1) + "/?v=10&encoding=json")) {
      c.next(WAIT);
      c.resume(fixture.demo.users().get(0).token(), "0123456789abcdef0123456789abcdef.session-0", 5);
      JsonNode invalid = c.next(WAIT);
      assertThat(invalid.path("op").asInt()).isEqualTo(9);
      assertThat(invalid.path("d").asBoolean()).isFalse();
      c.identify(fixture.demo.users().get(0).token(), INTENTS);
      assertThat(c.nextDispatch("READY", WAIT).path("s").asLong()).isEqualTo(1);
    }
  }
}
