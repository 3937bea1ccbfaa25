package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.DemoSeed;
import dev.concord.protocol.TokenVerifier;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every protocol error a client can make gets Discord's close code, never a hang. */
class GatewayCloseCodesIT {
  static final String SECRET = "close-codes-test-secret-0123456789abcdef";
  static final Duration WAIT = Duration.ofSeconds(10);

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

  private static GatewayClient connected(String query) throws InterruptedException {
    GatewayClient c = GatewayClient.connect(fixture.url(query));
    return c;
  }

  private static GatewayClient hello() throws InterruptedException {
    GatewayClient c = connected("v=10&encoding=json");
    assertThat(c.next(WAIT).path("op").asInt()).isEqualTo(10);
    return c;
  }

  @Test
  void identify_badToken_closes4004() throws Exception {
    String forged = new TokenVerifier("some-other-secret-0123456789abcdefghij").sign(demo.users().get(0).id(), 60);
    try (GatewayClient c = hello()) {
      c.identify(forged, 513);
      assertThat(c.awaitClose(WAIT)).isEqualTo(4004);
    }
    try (GatewayClient c = hello()) {
      c.identify("not-a-token", 513);
      assertThat(c.awaitClose(WAIT)).isEqualTo(4004);
    }
  }

  @Test
  void payloadBeforeIdentify_closes4003() throws Exception {
    try (GatewayClient c = hello()) {
      c.send("{\"op\":3,\"d\":{\"since\":null,\"activities\":[],\"status\":\"online\",\"afk\":false}}");
      assertThat(c.awaitClose(WAIT)).isEqualTo(4003);
    }
  }

  @Test
  void heartbeatBeforeIdentify_isAcked() throws Exception {
    try (GatewayClient c = hello()) {
      c.send("{\"op\":1,\"d\":null}");
      assertThat(c.next(WAIT).path("op").asInt()).isEqualTo(11);
    }
  }

  @Test
  void frameOver4096Bytes_closes4002() throws Exception {
    try (GatewayClient c = hello()) {
      c.send("{\"op\":1,\"d\":null,\"pad\":\"" + "x".repeat(5 * 1024) + "\"}");
      assertThat(c.awaitClose(WAIT)).isEqualTo(4002);
    }
  }

  /** Past the WebSocket layer's own 64 KiB cap too: 4002, not the layer's 1009 (it never reads the payload). */
  @Test
  void frameOfOneMegabyte_closes4002() throws Exception {
    try (GatewayClient c = hello()) {
      c.send("{\"op\":1,\"d\":null,\"pad\":\"" + "x".repeat(1024 * 1024) + "\"}");
      assertThat(c.awaitClose(WAIT)).isEqualTo(4002);
    }
  }

  /** A message in fragments that together pass the cap: 4002 too (it once hung until the heartbeat timeout). */
  @Test
  void fragmentedMessagePastTheCap_closes4002() throws Exception {
    try (GatewayClient c = hello()) {
      try {
        c.sendFragments("{\"op\":1,\"d\":null,\"pad\":\"" + "x".repeat(200 * 1024) + "\"}", 8);
      } catch (java.util.concurrent.CompletionException closedUnderUs) {
        // the server's 4002 can arrive while the last fragments are still being sent
      }
      assertThat(c.awaitClose(WAIT)).isEqualTo(4002);
    }
  }

  /** A query no decoder takes (a broken percent escape, found by reading the upgrade path): 4002, not a dropped socket. */
  @Test
  void malformedQuery_closes4002() throws Exception {
    try (RawGatewaySocket raw = RawGatewaySocket.connect(fixture.suite.ports().gatewayHttp(), "v=10&encoding=json&x=%zz")) {
      assertThat(raw.next(WAIT).closeCode()).isEqualTo(4002);
    }
  }

  @Test
  void undecodableFrame_closes4002() throws Exception {
    try (GatewayClient c = hello()) {
      c.send("{not json");
      assertThat(c.awaitClose(WAIT)).isEqualTo(4002);
    }
  }

  @Test
  void unknownOpcode_closes4001() throws Exception {
    try (GatewayClient c = hello()) {
      c.send("{\"op\":99,\"d\":null}");
      assertThat(c.awaitClose(WAIT)).isEqualTo(4001);
    }
  }

  @Test
  void secondIdentify_closes4005() throws Exception {
    try (GatewayClient c = hello()) {
      c.identify(demo.users().get(0).token(), 513);
      c.nextDispatch("READY", WAIT);
      c.identify(demo.users().get(0).token(), 513);
      assertThat(c.awaitClose(WAIT)).isEqualTo(4005);
    }
  }

  @Test
  void invalidIntents_closes4013() throws Exception {
    try (GatewayClient c = hello()) {
      c.identify(demo.users().get(0).token(), 1L << 40);
      assertThat(c.awaitClose(WAIT)).isEqualTo(4013);
    }
  }

  @Test
  void apiVersion9_closes4012() throws Exception {
    try (GatewayClient c = connected("v=9&encoding=json")) {
      assertThat(c.awaitClose(WAIT)).isEqualTo(4012);
    }
  }

  @Test
  void zlibStream_framesInflateWithOneContext() throws Exception {
    try (GatewayClient c = connected("v=10&encoding=json&compress=zlib-stream")) {
      assertThat(c.next(WAIT).path("op").asInt()).isEqualTo(10);
      c.identify(demo.users().get(0).token(), 513);
      assertThat(c.nextDispatch("READY", WAIT).path("s").asLong()).isEqualTo(1);
      assertThat(c.nextDispatch("GUILD_CREATE", WAIT).path("s").asLong()).isEqualTo(2);
    }
  }

  /** compress=zstd-stream: every frame decodes, as it arrives, through one zstd stream decoder. */
  @Test
  void zstdStream_framesDecodeWithOneContext() throws Exception {
    try (GatewayClient c = connected("v=10&encoding=json&compress=zstd-stream")) {
      assertThat(c.next(WAIT).path("op").asInt()).isEqualTo(10);
      c.identify(demo.users().get(0).token(), 513);
      assertThat(c.nextDispatch("READY", WAIT).path("s").asLong()).isEqualTo(1);
      assertThat(c.nextDispatch("GUILD_CREATE", WAIT).path("d").path("name").asString()).isEqualTo("Concord Demo");
      // a dispatch after the big ones: the stream's state carries across frames
      var api = dev.concord.proto.guild.v1.GuildApiGrpc.newBlockingStub(fixture.channels.forAddress(fixture.suite.guildAddress()));
      api.createMessage(
          dev.concord.proto.guild.v1.CreateMessageRequest.newBuilder()
              .setGuildId(demo.guildId())
              .setChannelId(demo.channelId())
              .setAuthorId(demo.users().get(1).id())
              .setContent("squeezed")
              .build());
      assertThat(c.nextDispatch("MESSAGE_CREATE", WAIT).path("d").path("channel_id").asString())
          .isEqualTo(Long.toUnsignedString(demo.channelId()));
    }
  }
}
