package dev.concord.guild.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuildEventLoopTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void submit_manyProducers_tasksNeverOverlap_andKeepEachProducersOrder() throws Exception {
    GuildEventLoop loop = new GuildEventLoop("g", pool, 1_000_000);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    int producers = 4;
    int each = 10_000;
    List<List<Integer>> seen = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      seen.add(new ArrayList<>()); // written only by loop tasks: safe only if tasks never overlap
    }
    CountDownLatch done = new CountDownLatch(producers * each);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int producer = p;
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      go.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    for (int i = 0; i < each; i++) {
                      int value = i;
                      while (!loop.submit(
                          () -> {
                            if (running.incrementAndGet() > 1) {
                              overlaps.incrementAndGet();
                            }
                            seen.get(producer).add(value);
                            running.decrementAndGet();
                            done.countDown();
                          })) {
                        Thread.onSpinWait();
                      }
                    }
                  }));
    }
    go.countDown();
    assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(overlaps.get()).isZero();
    for (List<Integer> s : seen) {
      assertThat(s).hasSize(each);
      for (int i = 0; i < each; i++) {
        assertThat(s.get(i)).isEqualTo(i);
      }
    }
  }

  @Test
  void submit_mailboxFull_refusedAtOnce() throws Exception {
    CountDownLatch block = new CountDownLatch(1);
    GuildEventLoop loop = new GuildEventLoop("g", pool, 2);
    CountDownLatch started = new CountDownLatch(1);
    assertThat(
            loop.submit(
                () -> {
                  started.countDown();
                  try {
                    block.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }))
        .isTrue();
    started.await();
    assertThat(loop.submit(() -> {})).isTrue();
    assertThat(loop.submit(() -> {})).isTrue();
    assertThat(loop.submit(() -> {})).isFalse();
    assertThat(loop.depth()).isEqualTo(2);
    block.countDown();
  }
}
