package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
import dev.concord.protocol.Intents;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The limits of RESUME: a replay buffer of 3 dispatches and a resume window of 1 s. */
class SessionExpiryIT {
  static final String SECRET = "expiry-test-secret-0123456789abcdef012";
  static final Duration WAIT = Duration.ofSeconds(10);
  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    fixture =
        new SuiteFixture(
            LocalSuite.Options.defaults(SECRET)
                .withExtra(List.of("--concord.session.replay-max-events=3", "--concord.session.resume-window=1s")));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void resume_seqOlderThanTheBuffer_invalidSessionFalse() throws Exception {
    String token = fixture.demo.users().get(0).token();
    GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"));
    c.next(WAIT);
    c.identify(token, Intents.GUILDS | Intents.GUILD_MESSAGES);
    String sessionId = c.nextDispatch("READY", WAIT).path("d").path("session_id").asString();
    c.nextDispatch("GUILD_CREATE", WAIT);
    for (int i = 0; i < 5; i++) { // s = 3..7; the buffer keeps 5..7
      ResumeIT.postTo(fixture, "m" + i);
      c.nextDispatch("MESSAGE_CREATE", WAIT);
    }
    c.abort();
    try (GatewayClient again = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      again.next(WAIT);
      again.resume(token, sessionId, 2);
      JsonNode invalid = again.next(WAIT);
      assertThat(invalid.path("op").asInt()).isEqualTo(9);
      assertThat(invalid.path("d").asBoolean()).isFalse();
    }
  }

  @Test
  void lostSocket_windowPasses_sessionEnds_membersSeeItGoOffline() throws Exception {
    try (GatewayClient watcher = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      watcher.next(WAIT);
      watcher.identify(fixture.demo.users().get(1).token(), Intents.GUILDS | Intents.GUILD_PRESENCES);
      watcher.nextDispatch("GUILD_CREATE", WAIT);

      String alice = Long.toUnsignedString(fixture.demo.users().get(0).id());
      GatewayClient gone = GatewayClient.connect(fixture.url("v=10&encoding=json"));
      gone.next(WAIT);
      gone.identify(fixture.demo.users().get(0).token(), Intents.GUILDS);
      gone.nextDispatch("GUILD_CREATE", WAIT);
      awaitPresence(watcher, alice, "online");
      gone.abort(); // the socket is lost: alice stays online while the session is resumable...
      long t0 = System.nanoTime();
      awaitPresence(watcher, alice, "offline"); // ...until the 1 s window has passed
      assertThat((System.nanoTime() - t0) / 1_000_000).as("not before the window").isGreaterThanOrEqualTo(900);
    }
  }

  private static void awaitPresence(GatewayClient c, String userId, String status) throws InterruptedException {
    JsonNode p;
    do {
      p = c.nextDispatch("PRESENCE_UPDATE", WAIT);
    } while (!userId.equals(p.path("d").path("user").path("id").asString())
        || !status.equals(p.path("d").path("status").asString()));
  }
}
