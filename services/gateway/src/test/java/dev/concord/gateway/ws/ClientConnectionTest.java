package dev.concord.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.cluster.RingWatcher;
import dev.concord.gateway.config.GatewayProperties;
import dev.concord.gateway.link.SessionLinks;
import dev.concord.proto.common.v1.Role;
import dev.concord.protocol.TokenVerifier;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The protocol state machine alone, on an EmbeddedChannel (no server, no session service). */
class ClientConnectionTest {
  private static final String SECRET = "unit-test-secret-0123456789abcdef0123";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private EmbeddedChannel channel;
  private ClientConnection conn;
  private ScheduledExecutorService scheduler;
  private ManagedChannel nowhere;

  @BeforeEach
  void open() {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    nowhere = InProcessChannelBuilder.forName("nowhere").build();
    // a ring watcher that was never started: no session pods known
    SessionLinks links =
        new SessionLinks(new RingWatcher(Role.ROLE_SESSION, nowhere, scheduler), null, Runnable::run, 16, 16);
    GatewayProperties props =
        TestGatewayProperties.of("gw-test", SECRET, 5);
    channel = new EmbeddedChannel();
    conn = new ClientConnection(
        1, channel, props, accountTokens(), new SessionStartLimit(1000, java.time.Duration.ofDays(1), 1, 1000, java.time.Clock.systemUTC()), links, new WriteBudget(64L << 20), null);
    conn.start();
    channel.runPendingTasks();
    JsonNode hello = nextFrame();
    assertThat(hello.path("op").asInt()).isEqualTo(10);
    assertThat(hello.path("d").path("heartbeat_interval").asLong()).isEqualTo(40_000);
  }

  /** Account token versions as the store would answer them: user 7 is at version 3. */
  private static dev.concord.gateway.auth.AccountTokens accountTokens() {
    return new dev.concord.gateway.auth.AccountTokens(
        new TokenVerifier(SECRET),
        userId -> java.util.concurrent.CompletableFuture.completedFuture(userId == 7 ? 3 : TokenVerifier.UNVERSIONED),
        30_000,
        100,
        java.time.Clock.systemUTC());
  }

  @AfterEach
  void close() {
    channel.finishAndReleaseAll();
    nowhere.shutdownNow();
    scheduler.shutdownNow();
  }

  private JsonNode nextFrame() {
    channel.runPendingTasks();
    Object out = channel.readOutbound();
    assertThat(out).isInstanceOf(TextWebSocketFrame.class);
    TextWebSocketFrame f = (TextWebSocketFrame) out;
    try {
      return JSON.readTree(f.text());
    } finally {
      f.release();
    }
  }

  private int closeCode() {
    channel.runPendingTasks();
    Object out;
    while ((out = channel.readOutbound()) != null) {
      if (out instanceof CloseWebSocketFrame c) {
        int code = c.statusCode();
        c.release();
        return code;
      }
      io.netty.util.ReferenceCountUtil.release(out);
    }
    throw new AssertionError("no close frame");
  }

  private void send(String json) {
    conn.onFrame(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void heartbeat_isAckedWithOp11() {
    send("{\"op\":1,\"d\":null}");
    assertThat(nextFrame().path("op").asInt()).isEqualTo(11);
  }

  @Test
  void unknownOp_4001() {
    send("{\"op\":5}");
    assertThat(closeCode()).isEqualTo(4001);
  }

  @Test
  void nonObjectFrame_4002() {
    send("[1,2,3]");
    assertThat(closeCode()).isEqualTo(4002);
  }

  @Test
  void tooLarge_4002() {
    send("{\"op\":1,\"d\":\"" + "y".repeat(4100) + "\"}");
    assertThat(closeCode()).isEqualTo(4002);
  }

  @Test
  void requestGuildMembersBeforeIdentify_4003() {
    send("{\"op\":8,\"d\":{\"guild_id\":\"1\",\"query\":\"\",\"limit\":0}}");
    assertThat(closeCode()).isEqualTo(4003);
  }

  @Test
  void badToken_4004() {
    send("{\"op\":2,\"d\":{\"token\":\"abc\",\"intents\":1,\"properties\":{}}}");
    assertThat(closeCode()).isEqualTo(4004);
  }

  @Test
  void missingIntents_4002() {
    send("{\"op\":2,\"d\":{\"token\":\"abc\",\"properties\":{}}}");
    assertThat(closeCode()).isEqualTo(4002);
  }

  @Test
  void invalidShard_4010() {
    String token = new TokenVerifier(SECRET).sign(42, 60);
    send("{\"op\":2,\"d\":{\"token\":\"" + token + "\",\"intents\":1,\"shard\":[2,2]}}");
    assertThat(closeCode()).isEqualTo(4010);
  }

  @Test
  void validIdentify_noSessionPods_closesResumable4000() {
    String token = new TokenVerifier(SECRET).sign(42, 60);
    send("{\"op\":2,\"d\":{\"token\":\"" + token + "\",\"intents\":513}}");
    assertThat(closeCode()).isEqualTo(4000);
  }

  @Test
  void revokedAccountToken_4004() {
    String old = new TokenVerifier(SECRET).sign(7, 60, 2);
    send("{\"op\":2,\"d\":{\"token\":\"" + old + "\",\"intents\":513}}");
    assertThat(closeCode()).isEqualTo(4004);
  }

  @Test
  void currentAccountToken_isCheckedThenIdentifies() {
    String current = new TokenVerifier(SECRET).sign(7, 60, 3);
    send("{\"op\":2,\"d\":{\"token\":\"" + current + "\",\"intents\":513}}");
    // past the version check: with no session pods known, the resumable 4000 (not 4004)
    assertThat(closeCode()).isEqualTo(4000);
  }

  @Test
  void accountTokenOfAUserWithoutAccount_4004() {
    String forgedVersion = new TokenVerifier(SECRET).sign(42, 60, 0);
    send("{\"op\":2,\"d\":{\"token\":\"" + forgedVersion + "\",\"intents\":513}}");
    assertThat(closeCode()).isEqualTo(4004);
  }

  @Test
  void moreThanRateLimit_4008() {
    for (int i = 0; i < 5; i++) {
      send("{\"op\":1,\"d\":null}");
      assertThat(nextFrame().path("op").asInt()).isEqualTo(11);
    }
    send("{\"op\":1,\"d\":null}");
    assertThat(closeCode()).isEqualTo(4008);
  }

  /** Found by GatewayFrameFuzzTest: numbers past their type's range used to escape as exceptions. */
  @Test
  void numbersPastTheirRange_getProtocolCloseCodes() {
    send("{\"op\":2,\"d\":{\"token\":\"x\",\"intents\":522222222222222222213,\"properties\":{}}}");
    assertThat(closeCode()).isEqualTo(4013);
  }

  @Test
  void aShardPastIntRange_closes4002() {
    send(
        "{\"op\":2,\"d\":{\"token\":\"x\",\"intents\":513,\"shard\":[0,99999999999999999999],\"properties\":{}}}");
    assertThat(closeCode()).isEqualTo(4002);
  }
}
