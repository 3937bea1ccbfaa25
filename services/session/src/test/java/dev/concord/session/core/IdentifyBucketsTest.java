package dev.concord.session.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdentifyBucketsTest {
  private final AtomicLong now = new AtomicLong(1_000_000);

  @Test
  void eachBucketStartsOneSessionPerWindow_byShardModuloConcurrency() {
    IdentifyBuckets b = new IdentifyBuckets(4, Duration.ofSeconds(5), 100, now::get);
    for (int shard = 0; shard < 4; shard++) {
      assertThat(b.tryStart(7, shard)).as("shard " + shard + " in its own bucket").isTrue();
    }
    assertThat(b.tryStart(7, 4)).as("shard 4 shares bucket 0").isFalse();
    assertThat(b.tryStart(8, 4)).as("another bot's buckets are its own").isTrue();
    now.addAndGet(4_999);
    assertThat(b.tryStart(7, 5)).isFalse();
    now.addAndGet(1);
    assertThat(b.tryStart(7, 5)).as("the window passed").isTrue();
    assertThat(b.tryStart(7, 9)).as("bucket 1 just taken again").isFalse();
    assertThat(b.refused()).isEqualTo(3);
  }

  @Test
  void aZeroWindow_meansNoBuckets() {
    IdentifyBuckets b = new IdentifyBuckets(1, Duration.ZERO, 100, now::get);
    for (int i = 0; i < 10; i++) {
      assertThat(b.tryStart(7, 0)).isTrue();
    }
    assertThat(b.refused()).isZero();
  }

  @Test
  void staysBounded_droppingExpiredBotsFirst() {
    IdentifyBuckets b = new IdentifyBuckets(1, Duration.ofSeconds(5), 3, now::get);
    assertThat(b.tryStart(1, 0)).isTrue();
    now.addAndGet(10_000);
    assertThat(b.tryStart(2, 0)).isTrue();
    assertThat(b.tryStart(3, 0)).isTrue();
    assertThat(b.tryStart(4, 0)).isTrue(); // bot 1's entry expired and made room
    assertThat(b.tryStart(2, 0)).as("bot 2 is still remembered").isFalse();
    // full of live entries: all are forgotten rather than growing past the bound
    assertThat(b.tryStart(5, 0)).isTrue();
    assertThat(b.tryStart(2, 0)).as("forgotten with the rest").isTrue();
  }

  @Test
  void theBoundCountsStartTimes_notOnlyBots() {
    IdentifyBuckets b = new IdentifyBuckets(1024, Duration.ofSeconds(5), 100_000, now::get);
    for (int bot = 0; bot < IdentifyBuckets.MAX_START_TIMES / 1024; bot++) {
      assertThat(b.tryStart(bot, 0)).isTrue();
    }
    assertThat(b.tryStart(0, 0)).as("still within the bound: remembered").isFalse();
    assertThat(b.tryStart(1_000_000, 0)).isTrue(); // one past the bound: the live ones are forgotten
    assertThat(b.tryStart(0, 0)).isTrue();
  }
}
