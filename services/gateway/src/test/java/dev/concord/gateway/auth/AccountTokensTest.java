package dev.concord.gateway.auth;

import dev.concord.testkit.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.protocol.TokenVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AccountTokensTest {
  static final String SECRET = "account-tokens-test-secret-0123456789abc";

  @Test
  void versionsAreCachedForTheirLifetime_andARevocationTakesEffectAtOnce() throws Exception {
    TokenVerifier signer = new TokenVerifier(SECRET);
    AtomicInteger stored = new AtomicInteger(0);
    AtomicInteger fetches = new AtomicInteger();
    ManualClock clock = new ManualClock();
    AccountTokens tokens =
        new AccountTokens(
            signer,
            userId -> {
              fetches.incrementAndGet();
              return CompletableFuture.completedFuture(stored.get());
            },
            Duration.ofSeconds(30).toMillis(),
            100,
            clock);
    TokenVerifier.Verified v0 = tokens.verify(signer.sign(7, 0, 0));
    assertThat(tokens.current(v0).join()).isTrue();
    assertThat(tokens.current(v0).join()).isTrue();
    assertThat(fetches.get()).isEqualTo(1);

    // logout elsewhere: this pod is told, the old token is refused at once, without a fetch
    stored.set(1);
    tokens.revoked(7, 1);
    assertThat(tokens.current(v0).join()).isFalse();
    assertThat(tokens.current(tokens.verify(signer.sign(7, 0, 1))).join()).isTrue();
    assertThat(fetches.get()).isEqualTo(1);

    // a pod that missed the message learns it when its cached version expires
    stored.set(2);
    clock.ms += 31_000;
    assertThat(tokens.current(tokens.verify(signer.sign(7, 0, 1))).join()).isFalse();
    assertThat(fetches.get()).isEqualTo(2);

    // bot tokens are never checked against the store
    assertThat(tokens.current(tokens.verify(signer.sign(8, 0))).join()).isTrue();
    assertThat(fetches.get()).isEqualTo(2);
  }

  @Test
  void versionsNeverGoBack_whenAnOldFetchAnswersAfterARevocation() {
    TokenVerifier signer = new TokenVerifier(SECRET);
    CompletableFuture<Integer> slow = new CompletableFuture<>();
    AccountTokens tokens = new AccountTokens(signer, userId -> slow, 30_000, 100, new ManualClock());
    CompletableFuture<Boolean> check = tokens.current(new TokenVerifier.Verified(7, 0));
    tokens.revoked(7, 1);
    slow.complete(0); // the store's answer from before the logout
    assertThat(check.join()).isFalse();
  }

  @Test
  void loginLimiter_limitsPerNameAndPerAddress_andForgetsAfterTheWindow() {
    ManualClock clock = new ManualClock();
    LoginLimiter limiter = new LoginLimiter(2, 3, Duration.ofMinutes(1), 100, clock);
    assertThat(limiter.tryAcquire("10.0.0.1", "frank")).isZero();
    assertThat(limiter.tryAcquire("10.0.0.2", "frank")).isZero();
    assertThat(limiter.tryAcquire("10.0.0.3", "frank")).isPositive(); // the name's limit, across addresses
    assertThat(limiter.tryAcquire("10.0.0.1", "grace")).isZero();
    assertThat(limiter.tryAcquire("10.0.0.1", "heidi")).isZero();
    assertThat(limiter.tryAcquire("10.0.0.1", "ivan")).isPositive(); // the address's limit: 3 per window
    clock.ms += 60_000;
    assertThat(limiter.tryAcquire("10.0.0.1", "frank")).isZero();
  }
}
