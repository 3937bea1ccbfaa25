package dev.concord.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.CallStreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchingSenderTest {
  /** A stream whose readiness the test controls; records every message and terminal call. */
  static final class FakeStream extends CallStreamObserver<List<Integer>> {
    final List<List<Integer>> sent = new CopyOnWriteArrayList<>();
    volatile boolean ready = true;
    volatile boolean completed;
    volatile Throwable error;

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void onNext(List<Integer> value) {
      sent.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
      completed = true;
    }

    List<Integer> all() {
      List<Integer> out = new ArrayList<>();
      sent.forEach(out::addAll);
      return out;
    }
  }

  private final ExecutorService executor = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private static void awaitUntil(java.util.function.BooleanSupplier cond) throws InterruptedException {
    dev.concord.testkit.Await.until(cond, "condition");
  }

  @Test
  void offer_whileNotReady_queuesThenSendsInOneBatchOnReady() throws Exception {
    FakeStream stream = new FakeStream();
    stream.ready = false;
    ExecutorService single = Executors.newSingleThreadExecutor();
    BatchingSender<Integer, List<Integer>> sender = new BatchingSender<>(stream, List::copyOf, single, 100, 50);
    for (int i = 0; i < 10; i++) {
      assertThat(sender.offer(i)).isTrue();
    }
    single.submit(() -> {}).get(5, TimeUnit.SECONDS); // the drain attempts queued before it have run
    assertThat(stream.sent).isEmpty();
    assertThat(sender.queued()).isEqualTo(10);

    stream.ready = true;
    sender.onReady();
    awaitUntil(() -> stream.all().size() == 10);
    single.shutdown();
    assertThat(stream.sent).hasSize(1);
    assertThat(stream.all()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  }

  @Test
  void offer_beyondCapacity_refused() {
    FakeStream stream = new FakeStream();
    stream.ready = false;
    BatchingSender<Integer, List<Integer>> sender = new BatchingSender<>(stream, List::copyOf, executor, 3, 10);
    assertThat(sender.offer(1)).isTrue();
    assertThat(sender.offer(2)).isTrue();
    assertThat(sender.offer(3)).isTrue();
    assertThat(sender.offer(4)).isFalse();
    assertThat(sender.queued()).isEqualTo(3);
  }

  @Test
  void batches_neverExceedMaxBatch() throws Exception {
    FakeStream stream = new FakeStream();
    stream.ready = false;
    BatchingSender<Integer, List<Integer>> sender = new BatchingSender<>(stream, List::copyOf, executor, 1000, 7);
    for (int i = 0; i < 100; i++) {
      sender.offer(i);
    }
    stream.ready = true;
    sender.onReady();
    awaitUntil(() -> stream.all().size() == 100);
    assertThat(stream.sent).allSatisfy(b -> assertThat(b.size()).isLessThanOrEqualTo(7));
  }

  @Test
  void concurrentProducers_eachProducersOrderKept_nothingLost() throws Exception {
    FakeStream stream = new FakeStream();
    BatchingSender<Integer, List<Integer>> sender = new BatchingSender<>(stream, List::copyOf, executor, 1_000_000, 64);
    int producers = 4;
    int each = 20_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int base = p * 1_000_000;
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
                      while (!sender.offer(base + i)) {
                        Thread.onSpinWait();
                      }
                    }
                  }));
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    awaitUntil(() -> stream.all().size() == producers * each);
    int[] last = new int[producers];
    java.util.Arrays.fill(last, -1);
    for (int v : stream.all()) {
      int p = v / 1_000_000;
      int i = v % 1_000_000;
      assertThat(i).isEqualTo(last[p] + 1);
      last[p] = i;
    }
  }

  @Test
  void fail_dropsQueueAndErrorsStream_laterOffersRefused() throws Exception {
    FakeStream stream = new FakeStream();
    stream.ready = false;
    BatchingSender<Integer, List<Integer>> sender = new BatchingSender<>(stream, List::copyOf, executor, 10, 10);
    sender.offer(1);
    sender.fail(new IllegalStateException("overflow"));
    awaitUntil(() -> stream.error != null);
    assertThat(sender.offer(2)).isFalse();
    assertThat(sender.queued()).isZero();
    assertThat(stream.sent).isEmpty();
  }

  @Test
  void close_sendsWhatIsQueuedThenCompletes() throws Exception {
    FakeStream stream = new FakeStream();
    BatchingSender<Integer, List<Integer>> sender = new BatchingSender<>(stream, List::copyOf, executor, 10, 10);
    stream.ready = false;
    sender.offer(1);
    sender.offer(2);
    stream.ready = true;
    sender.close();
    awaitUntil(() -> stream.completed);
    assertThat(stream.all()).containsExactly(1, 2);
  }

  @Test
  void drain_largeBacklog_neverBatchesMoreBytesThanTheBound() throws Exception {
    // thousands of sessions closing at once: a backlog far larger than one stream message may be
    FakeStream stream = new FakeStream();
    stream.ready = false;
    int itemBytes = 1_000;
    BatchingSender<Integer, List<Integer>> sender =
        new BatchingSender<>(stream, List::copyOf, executor, 100_000, 10_000, item -> itemBytes, 64 * 1024);
    for (int i = 0; i < 20_000; i++) {
      assertThat(sender.offer(i)).isTrue();
    }
    stream.ready = true;
    sender.onReady();
    awaitUntil(() -> stream.all().size() == 20_000);
    assertThat(stream.sent).allSatisfy(batch -> assertThat(batch.size() * itemBytes).isLessThanOrEqualTo(64 * 1024));
    assertThat(stream.sent).hasSizeGreaterThanOrEqualTo(20_000 * itemBytes / (64 * 1024));
    assertThat(stream.all()).as("in order, none lost").isEqualTo(java.util.stream.IntStream.range(0, 20_000).boxed().toList());
  }

  @Test
  void drain_oneItemAboveTheBound_goesAloneRatherThanStalling() throws Exception {
    FakeStream stream = new FakeStream();
    BatchingSender<Integer, List<Integer>> sender =
        new BatchingSender<>(stream, List::copyOf, executor, 100, 100, item -> item, 10);
    sender.offer(50);
    sender.offer(3);
    sender.offer(4);
    awaitUntil(() -> stream.all().size() == 3);
    assertThat(stream.sent).allSatisfy(batch -> assertThat(batch.size() == 1 || batch.stream().mapToInt(x -> x).sum() <= 10).isTrue());
  }
}
