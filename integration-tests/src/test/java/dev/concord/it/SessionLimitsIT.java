package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
import dev.concord.testkit.GatewayClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-user session bound (concord.session.max-sessions-per-user, here 2) with real WebSocket
 * clients through the gateway: a third IDENTIFY of the same user is closed with 4008, and a
 * session that ends gives its place back.
 */
class SessionLimitsIT {
  static final String SECRET = "session-limits-test-secret-0123456789abc";
  static final Duration WAIT = Duration.ofSeconds(10);

  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new SuiteFixture(LocalSuite.Options.defaults(SECRET).withExtra(List.of("--concord.session.max-sessions-per-user=2")));
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
}
