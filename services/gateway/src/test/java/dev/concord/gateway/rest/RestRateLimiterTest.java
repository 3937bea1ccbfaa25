package dev.concord.gateway.rest;

import dev.concord.testkit.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RestRateLimiterTest {
  private final ManualClock clock = new ManualClock();
  private final RestRateLimiter limiter = new RestRateLimiter(2, Duration.ofSeconds(5), 3, Duration.ofSeconds(1), 100, clock);

  @Test
  void acquire_routeBucketFull_refusedUntilItsWindowResets() {
    assertThat(limiter.acquire(1, "GET /a", "c1").remaining()).isEqualTo(1);
    assertThat(limiter.acquire(1, "GET /a", "c1").remaining()).isZero();
    RestRateLimiter.Decision refused = limiter.acquire(1, "GET /a", "c1");
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.global()).isFalse();
    assertThat(refused.resetAfterMs()).isEqualTo(5_000);
    clock.ms += 5_000;
    assertThat(limiter.acquire(1, "GET /a", "c1").allowed()).isTrue();
  }

  @Test
  void acquire_bucketsAreSeparatePerMajorParameterAndUser_globalIsPerUser() {
    assertThat(limiter.acquire(1, "GET /a", "c1").allowed()).isTrue();
    assertThat(limiter.acquire(1, "GET /a", "c2").allowed()).isTrue();
    assertThat(limiter.acquire(1, "GET /b", "").allowed()).isTrue();
    RestRateLimiter.Decision global = limiter.acquire(1, "GET /c", "");
    assertThat(global.allowed()).isFalse();
    assertThat(global.global()).isTrue();
    assertThat(limiter.acquire(2, "GET /a", "c1").allowed()).as("another user").isTrue();
    clock.ms += 1_000;
    assertThat(limiter.acquire(1, "GET /c", "").allowed()).isTrue();
  }

  @Test
  void acquire_refusedRequest_takesNoGlobalSlot() {
    limiter.acquire(1, "GET /a", "c1");
    limiter.acquire(1, "GET /a", "c1");
    assertThat(limiter.acquire(1, "GET /a", "c1").allowed()).isFalse();
    assertThat(limiter.acquire(1, "GET /b", "").allowed()).as("the refused one took no global slot").isTrue();
  }

  @Test
  void windows_areBounded() {
    RestRateLimiter small = new RestRateLimiter(2, Duration.ofSeconds(5), 3, Duration.ofSeconds(1), 4, clock);
    for (int u = 0; u < 100; u++) {
      small.acquire(u, "GET /a", "");
      assertThat(small.windows()).isLessThanOrEqualTo(5);
    }
  }

  @Test
  void bucketId_isStablePerRouteAndDiffersBetweenRoutes() {
    assertThat(RestRateLimiter.bucketId("GET /a")).isEqualTo(RestRateLimiter.bucketId("GET /a")).isNotEqualTo(RestRateLimiter.bucketId("GET /b"));
  }
}
