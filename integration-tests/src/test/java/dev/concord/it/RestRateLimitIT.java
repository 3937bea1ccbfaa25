package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * REST rate limits as Discord answers them, with small limits: a route bucket (per user and
 * channel) and the global window per user, each refused with 429, {@code retry_after},
 * {@code global} and the headers client libraries read.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RestRateLimitIT {
  static final String SECRET = "rest-limit-test-secret-0123456789abcdef";

  static SuiteFixture fixture;
  static RestClient rest;

  @BeforeAll
  static void start() {
    fixture =
        new SuiteFixture(
            LocalSuite.Options.defaults(SECRET)
                .withExtra(
                    List.of(
                        "--concord.gateway.rest-route-limit=3",
                        "--concord.gateway.rest-route-window=60s",
                        "--concord.gateway.rest-global-limit=6",
                        "--concord.gateway.rest-global-window=60s")));
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

  @Test
  void routeBucket_thenGlobal_areRefusedWith429() throws Exception {
    String alice = fixture.demo.users().get(0).token();
    String channel = Long.toUnsignedString(fixture.demo.channelId());
    for (int i = 0; i < 3; i++) {
      RestClient.Response ok = rest.get("/channels/" + channel + "/messages?limit=1", alice);
      assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
      assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
      assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(2 - i));
    }
    RestClient.Response limited = rest.get("/channels/" + channel + "/messages?limit=1", alice);
    assertThat(limited.status()).isEqualTo(429);
    JsonNode body = limited.json();
    assertThat(body.path("retry_after").asDouble()).isPositive();
    assertThat(body.path("global").asBoolean()).isFalse();
    assertThat(body.path("message").asString()).isNotEmpty();
    assertThat(Integer.parseInt(limited.headers().firstValue("Retry-After").orElseThrow())).isPositive();
    assertThat(limited.headers().firstValue("X-RateLimit-Scope")).hasValue("user");
    assertThat(limited.headers().firstValue("X-RateLimit-Global")).isEmpty();
    assertThat(limited.headers().firstValue("Via")).isPresent();

    // another route is a different bucket, until the global window (6 per user) runs out; a
    // refused request takes no slot
    for (int i = 0; i < 3; i++) {
      assertThat(rest.get("/users/@me", alice).status()).isEqualTo(200);
    }
    RestClient.Response global = rest.get("/gateway/bot", alice);
    assertThat(global.status()).as(global.toString()).isEqualTo(429);
    assertThat(global.json().path("global").asBoolean()).isTrue();
    assertThat(global.headers().firstValue("X-RateLimit-Global")).hasValue("true");
    assertThat(global.headers().firstValue("X-RateLimit-Scope")).hasValue("global");

    // limits are per user: bob is unaffected
    assertThat(rest.get("/users/@me", fixture.demo.users().get(1).token()).status()).isEqualTo(200);
  }
}
