package dev.concord.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class RecipientTableTest {
  @Test
  void add_get_remove_roundTrip() {
    RecipientTable<String> t = new RecipientTable<>();
    long a = t.add("a");
    long b = t.add("b");
    assertThat(a).isNotZero().isNotEqualTo(b);
    assertThat(t.get(a)).isEqualTo("a");
    assertThat(t.get(b)).isEqualTo("b");
    assertThat(t.remove(a)).isTrue();
    assertThat(t.remove(a)).isFalse();
    assertThat(t.get(a)).isNull();
    assertThat(t.size()).isEqualTo(1);
  }

  @Test
  void reusedSlot_staleKeyFindsNothing() {
    RecipientTable<String> t = new RecipientTable<>();
    long old = t.add("old");
    t.remove(old);
    long fresh = t.add("fresh");
    assertThat((int) fresh).isEqualTo((int) old); // same slot
    assertThat(t.get(old)).isNull();
    assertThat(t.get(fresh)).isEqualTo("fresh");
  }

  @Test
  void unknownKeys_null() {
    RecipientTable<String> t = new RecipientTable<>();
    assertThat(t.get(0)).isNull();
    assertThat(t.get(-1)).isNull();
    assertThat(t.get((1L << 32) | 123_456)).isNull();
  }

  @Test
  void concurrentAddRemove_keysUniqueAndLookupsExact() throws Exception {
    RecipientTable<Long> t = new RecipientTable<>();
    ConcurrentHashMap<Long, Long> live = new ConcurrentHashMap<>();
    int threads = 4;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    for (int i = 0; i < threads; i++) {
      long base = i * 1_000_000L;
      ts.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      go.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    try {
                    List<Long> mine = new ArrayList<>();
                    for (long v = base; v < base + 20_000; v++) {
                      long key = t.add(v);
                      assertThat(live.putIfAbsent(key, v)).isNull();
                      mine.add(key);
                      if (v % 3 == 0) {
                        long k = mine.removeFirst();
                        assertThat(t.remove(k)).isTrue();
                        live.remove(k);
                      }
                    }
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    go.countDown();
    for (Thread th : ts) {
      th.join();
    }
    assertThat(failure.get()).isNull();
    live.forEach((k, v) -> assertThat(t.get(k)).isEqualTo(v));
    assertThat(t.size()).isEqualTo(live.size());
  }
}
