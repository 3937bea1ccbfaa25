package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
import dev.concord.proto.presence.v1.GetPresencesRequest;
import dev.concord.proto.presence.v1.GetPresencesResponse;
import dev.concord.proto.presence.v1.PresenceGrpc;
import dev.concord.protocol.Intents;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The presence service dies while users are online: no session notices, and once a new presence
 * service is up, every online user's presence is back (sessions re-announce) within seconds.
 */
class PresenceRebuildIT {
  static final String SECRET = "presence-test-secret-0123456789abcdef0";
  static final Duration WAIT = Duration.ofSeconds(10);
  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new SuiteFixture(LocalSuite.Options.defaults(SECRET));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static GetPresencesResponse presences() {
    var channel = fixture.channels.forAddress("127.0.0.1:" + fixture.suite.ports().presenceGrpc());
    // this test's own channel must not sit in reconnect backoff after the restart
    channel.resetConnectBackoff();
    return PresenceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(2, TimeUnit.SECONDS)
        .getPresences(
            GetPresencesRequest.newBuilder()
                .addUserIds(fixture.demo.users().get(0).id())
                .addUserIds(fixture.demo.users().get(1).id())
                .build());
  }

  @Test
  void presenceKilled_sessionsUnaffected_stateRebuiltAfterRestart() throws Exception {
    try (GatewayClient alice = GatewayClient.connect(fixture.url("v=10&encoding=json"));
        GatewayClient bob = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      alice.next(WAIT);
      bob.next(WAIT);
      alice.identify(fixture.demo.users().get(0).token(), Intents.GUILDS | Intents.GUILD_MESSAGES);
      bob.identify(fixture.demo.users().get(1).token(), Intents.GUILDS | Intents.GUILD_MESSAGES);
      alice.nextDispatch("GUILD_CREATE", WAIT);
      bob.nextDispatch("GUILD_CREATE", WAIT);
      await(() -> presences().getPresencesList().stream().allMatch(p -> p.getStatus().equals("online")), WAIT);

      fixture.suite.stopPresence();
      // sessions keep working without presence
      String id = ResumeIT.postTo(fixture, "still here");
      assertThat(bob.nextDispatch("MESSAGE_CREATE", WAIT).path("d").path("id").asString()).isEqualTo(id);

      fixture.suite.startPresence();
      long t0 = System.nanoTime();
      await(
          () -> {
            try {
              return presences().getPresencesList().stream().allMatch(p -> p.getStatus().equals("online"));
            } catch (RuntimeException e) {
              return false;
            }
          },
          Duration.ofSeconds(5));
      System.out.println("presence rebuilt " + (System.nanoTime() - t0) / 1_000_000 + " ms after the new presence service started");

      // nobody was disconnected: both sockets still answer
      alice.send("{\"op\":1,\"d\":null}");
      bob.send("{\"op\":1,\"d\":null}");
      assertThat(awaitOp(alice, 11)).isTrue();
      assertThat(awaitOp(bob, 11)).isTrue();
    }
  }

  private static boolean awaitOp(GatewayClient c, int op) throws InterruptedException {
    JsonNode f;
    do {
      f = c.next(WAIT);
    } while (f.path("op").asInt() != op);
    return true;
  }

  private static void await(java.util.function.BooleanSupplier cond, Duration max) throws InterruptedException {
    dev.concord.testkit.Await.until(cond, max, "presences online");
  }
}
