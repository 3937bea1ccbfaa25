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

/** The server-side heartbeat timeout, with a short interval (500 ms + 500 ms grace). */
class HeartbeatTimeoutIT {
  static final Duration WAIT = Duration.ofSeconds(10);
  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    fixture =
        new SuiteFixture(
            new LocalSuite.Options(
                "heartbeat-test-secret-0123456789abcdef",
                Duration.ofMillis(500),
                List.of("--concord.gateway.heartbeat-grace=500ms")));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void silentClient_closedWithResumableCode() throws Exception {
    try (GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      JsonNode hello = c.next(WAIT);
      assertThat(hello.path("d").path("heartbeat_interval").asLong()).isEqualTo(500);
      c.identify(fixture.demo.users().get(0).token(), Intents.GUILDS);
      c.nextDispatch("READY", WAIT);
      assertThat(c.awaitClose(WAIT)).isEqualTo(4000);
    }
  }

  @Test
  void heartbeatingClient_staysConnected() throws Exception {
    try (GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      c.next(WAIT);
      c.identify(fixture.demo.users().get(1).token(), Intents.GUILDS);
      c.nextDispatch("GUILD_CREATE", WAIT);
      // six intervals (3 s) of regular heartbeats: each is ACKed and the socket stays open
      for (int i = 0; i < 12; i++) {
        c.send("{\"op\":1,\"d\":2}");
        JsonNode f;
        do {
          f = c.next(WAIT);
        } while (f.path("op").asInt() != 11);
        Thread.sleep(250);
      }
      c.send("{\"op\":1,\"d\":2}");
      JsonNode f;
      do {
        f = c.next(WAIT);
      } while (f.path("op").asInt() != 11);
      assertThat(f.path("op").asInt()).isEqualTo(11);
    }
  }
}
