package dev.concord.streams;

import io.grpc.stub.CallStreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * A bounded queue in front of one outbound gRPC stream. Producers {@link #offer} items from any
 * thread; one drain at a time takes everything that is ready (up to {@code maxBatch} items) and
 * sends it as ONE stream message, for as long as the transport {@link CallStreamObserver#isReady()
 * is ready}. When it is not, draining stops and resumes from the stream's on-ready callback
 * (wire that to {@link #onReady()}), so a slow peer fills this queue, not the transport's.
 *
 * <p>Batching adds no wait: a batch is whatever accumulated while the previous send ran, so an
 * idle link sends single items at once and a busy one sends big batches.
 *
 * <p>Bounds: at most {@code capacity} items are queued; {@link #offer} returns false beyond that
 * and the caller applies its overflow policy (close the affected connections, drop the stream).
 * Never blocks. A batch holds at most {@code maxBatch} items and, by the {@code sizer}'s count,
 * at most {@code maxBatchBytes} (one item alone may exceed it), so no stream message outgrows the
 * peer's inbound limit however large the backlog (thousands of sessions closing at once once made
 * a 17 MB relay batch, past gRPC's 16 MiB, and broke the stream).
 *
 * <p>Concurrency: any number of producers; the {@code draining} flag admits one drainer at a
 * time, so the observer (not thread-safe) is only called by one thread at a time; {@link
 * #close}/{@link #fail} take the same flag. Items from one producer thread leave in the order it
 * offered them.
 */
public final class BatchingSender<T, B> {
  private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final CallStreamObserver<B> observer;
  private final Function<List<T>, B> batcher;
  private final Executor executor;
  private final int capacity;
  private final int maxBatch;
  private final ToIntFunction<T> sizer;
  private final int maxBatchBytes;
  private volatile boolean closed;
  private volatile long sentBatches;
  private volatile long sentItems;

  /** Batches bounded by count only (items of a known small size; tests). */
  public BatchingSender(
      CallStreamObserver<B> observer,
      Function<List<T>, B> batcher,
      Executor executor,
      int capacity,
      int maxBatch) {
    this(observer, batcher, executor, capacity, maxBatch, item -> 0, Integer.MAX_VALUE);
  }

  public BatchingSender(
      CallStreamObserver<B> observer,
      Function<List<T>, B> batcher,
      Executor executor,
      int capacity,
      int maxBatch,
      ToIntFunction<T> sizer,
      int maxBatchBytes) {
    if (maxBatchBytes < 1) {
      throw new IllegalArgumentException("maxBatchBytes out of range: " + maxBatchBytes + " (expected: >= 1)");
    }
    this.sizer = sizer;
    this.maxBatchBytes = maxBatchBytes;
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity out of range: " + capacity + " (expected: >= 1)");
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch out of range: " + maxBatch + " (expected: >= 1)");
    }
    this.observer = observer;
    this.batcher = batcher;
    this.executor = executor;
    this.capacity = capacity;
    this.maxBatch = maxBatch;
  }

  /** Queues {@code item}; false when the queue is full or the sender is closed. */
  public boolean offer(T item) {
    if (closed) {
      return false;
    }
    if (size.incrementAndGet() > capacity) {
      size.decrementAndGet();
      return false;
    }
    queue.add(item);
    scheduleDrain();
    return true;
  }

  /** Call from the stream's on-ready handler. */
  public void onReady() {
    scheduleDrain();
  }

  public int queued() {
    return size.get();
  }

  public boolean isClosed() {
    return closed;
  }

  public long sentBatches() {
    return sentBatches;
  }

  public long sentItems() {
    return sentItems;
  }

  /** Sends what is queued (as flow control allows), then completes the stream. */
  public void close() {
    closed = true;
    executor.execute(() -> terminate(null));
  }

  /** Drops what is queued and fails the stream with {@code error}. */
  public void fail(Throwable error) {
    closed = true;
    queue.clear();
    size.set(0);
    executor.execute(() -> terminate(error));
  }

  /** The stream is gone (peer cancelled or broke): drop everything, stop sending. */
  public void abandon() {
    closed = true;
    queue.clear();
    size.set(0);
  }

  private void terminate(Throwable error) {
    while (!draining.compareAndSet(false, true)) {
      Thread.onSpinWait();
    }
    try {
      if (error == null) {
        drainReady();
        observer.onCompleted();
      } else {
        observer.onError(error);
      }
    } catch (RuntimeException ignored) {
      // the call is already gone
    } finally {
      draining.set(false);
    }
  }

  private void scheduleDrain() {
    if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    try {
      drainReady();
    } catch (RuntimeException e) {
      // The call was cancelled under us; nothing can be sent any more.
      abandon();
    } finally {
      draining.set(false);
    }
    // An offer may have raced with the end of the drain; re-check so nothing is stranded.
    if (!queue.isEmpty() && observer.isReady()) {
      scheduleDrain();
    }
  }

  private void drainReady() {
    while (observer.isReady()) {
      List<T> batch = new ArrayList<>(Math.min(maxBatch, Math.max(1, size.get())));
      long bytes = 0;
      T item;
      // one drainer at a time: what peek() sees is what poll() takes
      while (batch.size() < maxBatch && (item = queue.peek()) != null) {
        int itemBytes = sizer.applyAsInt(item);
        if (!batch.isEmpty() && bytes + itemBytes > maxBatchBytes) {
          break;
        }
        queue.poll();
        batch.add(item);
        bytes += itemBytes;
      }
      if (batch.isEmpty()) {
        return;
      }
      size.addAndGet(-batch.size());
      observer.onNext(batcher.apply(batch));
      sentBatches++;
      sentItems += batch.size();
    }
  }
}
