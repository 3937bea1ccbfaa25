package dev.concord.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DemandGateTest {
  @Test
  void belowTheHighMark_aRequestRunsAtOnce() {
    DemandGate gate = new DemandGate(100);
    gate.add(99);
    AtomicInteger requests = new AtomicInteger();
    gate.whenOpen(requests::incrementAndGet);
    assertThat(requests).hasValue(1);
    assertThat(gate.parked()).isZero();
  }

  @Test
  void atTheHighMark_aRequestWaitsUntilTheWorkDoneFallsBelowHalf() {
    DemandGate gate = new DemandGate(100);
    gate.add(100);
    AtomicInteger requests = new AtomicInteger();
    gate.whenOpen(requests::incrementAndGet);
    assertThat(requests).hasValue(0);
    assertThat(gate.isOpen()).isFalse();

    gate.done(40); // 60 pending: below the high mark, not yet below the low one
    assertThat(requests).hasValue(0);
    gate.done(11); // 49
    assertThat(requests).hasValue(1);
    assertThat(gate.parked()).isZero();

    gate.done(49); // released requests run once only
    assertThat(requests).hasValue(1);
  }

  @Test
  void everyParkedRequestRunsOnce_whenTheGateOpens() {
    DemandGate gate = new DemandGate(10);
    gate.add(10);
    AtomicInteger requests = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      gate.whenOpen(requests::incrementAndGet);
    }
    gate.done(10);
    assertThat(requests).hasValue(3);
  }

  @Test
  void aHighMarkOfZero_turnsTheGateOff() {
    DemandGate gate = new DemandGate(0);
    gate.add(1_000_000);
    AtomicInteger requests = new AtomicInteger();
    gate.whenOpen(requests::incrementAndGet);
    assertThat(requests).hasValue(1);
  }

  /**
   * A reader (one thread, as a stream's executor) and two workers racing: every message is read
   * and done, so no parked request was lost (the reader would stall) and the count ends at zero.
   */
  @Test
  void aReaderAndItsWorkers_neverStall() throws Exception {
    DemandGate gate = new DemandGate(64);
    int messages = 200_000;
    AtomicLong done = new AtomicLong();
    AtomicInteger read = new AtomicInteger();
    CountDownLatch finished = new CountDownLatch(1);
    java.util.concurrent.ExecutorService reader = java.util.concurrent.Executors.newSingleThreadExecutor();
    java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newFixedThreadPool(2);
    AtomicLong maxPending = new AtomicLong();
    Runnable[] next = new Runnable[1];
    // as request(1): the next message arrives later on the reader's thread
    AtomicInteger requests = new AtomicInteger();
    Runnable request =
        () -> {
          requests.incrementAndGet();
          reader.execute(next[0]);
        };
    next[0] =
        () -> {
          gate.add(8);
          maxPending.accumulateAndGet(gate.pending(), Math::max);
          workers.execute(
              () -> {
                gate.done(8);
                if (done.incrementAndGet() == messages) {
                  finished.countDown();
                }
              });
          if (read.incrementAndGet() < messages) {
            gate.whenOpen(request);
          }
        };
    reader.execute(next[0]);
    try {
      assertThat(finished.await(60, TimeUnit.SECONDS)).as("all messages done without a stall").isTrue();
      assertThat(read).hasValue(messages);
      assertThat(gate.pending()).isZero();
      assertThat(gate.parked()).isZero();
      assertThat(requests.get()).as("requests").isEqualTo(messages - 1);
      assertThat(maxPending.get()).as("one message past the high mark at most").isLessThanOrEqualTo(64 + 8);
    } finally {
      reader.shutdownNow();
      workers.shutdownNow();
    }
  }
}
