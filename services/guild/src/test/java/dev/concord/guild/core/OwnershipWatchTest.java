package dev.concord.guild.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OwnershipWatchTest {
  final AtomicLong version = new AtomicLong(1);
  final AtomicLong now = new AtomicLong(0);
  final List<CompletableFuture<Integer>> checks = new ArrayList<>();
  final List<Integer> claimed = new ArrayList<>();
  final OwnershipWatch watch =
      new OwnershipWatch(
          version::get,
          () -> {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            checks.add(f);
            return f;
          },
          claimed::add,
          now::get);

  @org.junit.jupiter.api.AfterEach
  void finishPendingChecks() {
    checks.stream().filter(f -> f != null && !f.isDone()).forEach(f -> f.complete(0)); // not timed out later
  }

  void advance(java.time.Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void checksOnAChange_againAfterTheFollowUp_thenPeriodically() {
    watch.run();
    assertThat(checks).hasSize(1); // the first ring
    checks.getLast().complete(0);
    watch.run();
    assertThat(checks).hasSize(1); // nothing changed

    version.set(2);
    watch.run();
    assertThat(checks).hasSize(2);
    checks.getLast().complete(3);
    assertThat(claimed).containsExactly(0, 3);
    advance(OwnershipWatch.FOLLOW_UP.minusMillis(1));
    watch.run();
    assertThat(checks).hasSize(2);
    advance(java.time.Duration.ofMillis(1));
    watch.run();
    assertThat(checks).hasSize(3); // the follow-up: a slower pod may have claimed since
    checks.getLast().complete(0);
    advance(OwnershipWatch.PERIODIC.minusMillis(1));
    watch.run();
    assertThat(checks).hasSize(3);
    advance(java.time.Duration.ofMillis(1));
    watch.run();
    assertThat(checks).hasSize(4);
  }

  @Test
  void oneCheckAtATime_aChangeSeenMeanwhileCheckedRightAfter() {
    watch.run();
    version.set(2);
    watch.run();
    assertThat(checks).hasSize(1);
    checks.getLast().complete(0);
    watch.run();
    assertThat(checks).hasSize(2);
  }

  @Test
  void aFailedCheck_retriedWithBackoff_andAThrowingOneDoesNotEndTheSchedule() {
    OwnershipWatch throwing =
        new OwnershipWatch(
            version::get,
            () -> {
              checks.add(null);
              throw new IllegalStateException("boom");
            },
            claimed::add,
            now::get);
    throwing.run();
    assertThat(checks).hasSize(1);
    throwing.run();
    assertThat(checks).hasSize(1); // backing off
    long waited = 0;
    int attempts = 1;
    while (attempts < 6) {
      advance(java.time.Duration.ofMillis(10));
      waited += 10;
      throwing.run();
      if (checks.size() > attempts) {
        attempts = checks.size();
      }
    }
    // 100 + 200 + 400 + 800 + 1600 ms between the six attempts
    assertThat(waited).isBetween(3_100L, 3_200L);
    assertThat(claimed).isEmpty();

    watch.run();
    checks.getLast().completeExceptionally(new java.sql.SQLException("store down"));
    watch.run();
    assertThat(checks).hasSize(7); // backing off, not spinning
    advance(java.time.Duration.ofMillis(100));
    watch.run();
    assertThat(checks).hasSize(8);
    checks.getLast().complete(1);
    assertThat(claimed).containsExactly(1);
  }
}
