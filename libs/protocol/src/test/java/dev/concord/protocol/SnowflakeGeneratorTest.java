package dev.concord.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class SnowflakeGeneratorTest {
  @Test
  void next_frozenClock_uniqueAndIncreasing() {
    Clock frozen = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    SnowflakeGenerator gen = new SnowflakeGenerator(3, 7, frozen);
    long prev = 0;
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) { // more than 4096 per ms: rolls into the next ms
      long id = gen.next();
      assertThat(id).isGreaterThan(prev);
      assertThat(seen.add(id)).isTrue();
      assertThat((id >> 17) & 31).isEqualTo(3);
      assertThat((id >> 12) & 31).isEqualTo(7);
      prev = id;
    }
  }

  @Test
  void timestamp_roundTrips() {
    Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
    long id = new SnowflakeGenerator(0, 1, clock).next();
    assertThat(SnowflakeGenerator.timestamp(id)).isEqualTo(Instant.parse("2026-11-22T10:00:00Z"));
  }

  @Test
  void next_concurrentThreads_noDuplicates() throws Exception {
    SnowflakeGenerator gen = SnowflakeGenerator.forNode(5);
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    int threads = 4;
    int each = 50_000;
    CountDownLatch start = new CountDownLatch(1);
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      workers[t] =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    for (int i = 0; i < each; i++) {
                      seen.add(gen.next());
                    }
                  });
    }
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    assertThat(seen).hasSize(threads * each);
  }
}
