package dev.concord.streams;

import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Coalesces single requests to one peer into batch unary calls. At most {@code maxInFlight} batch
 * calls run at once; requests that arrive meanwhile wait in a bounded queue and leave together in
 * the next call, as soon as one returns. Like {@link BatchingSender} it adds no wait: an idle peer
 * gets each request alone, at once; a busy one gets big batches, so the per-call cost (HTTP/2
 * headers, interceptors, observation, an executor hop on each side) is paid once per batch rather
 * than once per request. Used where a connect storm made one unary call per IDENTIFY per hop.
 *
 * <p>Bounds: at most {@code capacity} requests wait; beyond that {@link #submit} fails at once
 * with RESOURCE_EXHAUSTED. A batch holds at most {@code maxBatch} requests and, by the {@code
 * sizer}'s count, at most {@code maxBatchBytes} (one request alone may exceed it).
 *
 * <p>The call returns one result per request, in request order; a result may be null when the
 * call has nothing for that request (the caller's future then completes with null). A failed call
 * fails every request of its batch; a result list of the wrong size fails them with INTERNAL.
 *
 * <p>Concurrency: any thread may submit; the queue and the in-flight count are guarded by this
 * object's monitor; calls and completions run outside it. A call that completes synchronously
 * starts the next batch from its completion, so the depth of such a chain is bounded by the
 * queue over the batch size.
 */
public final class UnaryBatcher<Q, R> {
  private record Pending<Q, R>(Q request, CompletableFuture<R> result) {}

  private final Function<List<Q>, CompletableFuture<List<R>>> call;
  private final int maxInFlight;
  private final int maxBatch;
  private final int maxBatchBytes;
  private final ToIntFunction<Q> sizer;
  private final int capacity;
  private final ArrayDeque<Pending<Q, R>> queue = new ArrayDeque<>();
  private int inFlight;
  private long calls;
  private long requests;

  public UnaryBatcher(
      Function<List<Q>, CompletableFuture<List<R>>> call, int maxInFlight, int maxBatch, int maxBatchBytes, ToIntFunction<Q> sizer, int capacity) {
    if (maxInFlight < 1 || maxBatch < 1 || capacity < 1) {
      throw new IllegalArgumentException("maxInFlight, maxBatch and capacity must be >= 1");
    }
    this.call = call;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.maxBatchBytes = maxBatchBytes;
    this.sizer = sizer;
    this.capacity = capacity;
  }

  /** Queues one request; its result comes when the batch it left in returns. Never blocks. */
  public CompletableFuture<R> submit(Q request) {
    CompletableFuture<R> result = new CompletableFuture<>();
    List<Pending<Q, R>> batch;
    synchronized (this) {
      if (queue.size() >= capacity) {
        return CompletableFuture.failedFuture(
            Status.RESOURCE_EXHAUSTED.withDescription(capacity + " requests already waiting for this peer").asRuntimeException());
      }
      queue.add(new Pending<>(request, result));
      batch = takeBatch();
    }
    if (batch != null) {
      send(batch);
    }
    return result;
  }

  /** Requests waiting for a batch call. */
  public synchronized int queued() {
    return queue.size();
  }

  /** Nothing waits and no call runs. */
  public synchronized boolean idle() {
    return queue.isEmpty() && inFlight == 0;
  }

  /** Batch calls made so far. */
  public synchronized long calls() {
    return calls;
  }

  /** Requests sent so far (requests / calls: the mean batch size). */
  public synchronized long requests() {
    return requests;
  }

  /** The next batch, if a call slot is free and anything waits; takes the slot. Under the monitor. */
  private @Nullable List<Pending<Q, R>> takeBatch() {
    if (inFlight >= maxInFlight || queue.isEmpty()) {
      return null;
    }
    inFlight++;
    List<Pending<Q, R>> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
    long bytes = 0;
    while (!queue.isEmpty() && batch.size() < maxBatch) {
      int size = sizer.applyAsInt(queue.peek().request());
      if (!batch.isEmpty() && bytes + size > maxBatchBytes) {
        break;
      }
      bytes += size;
      batch.add(queue.poll());
    }
    calls++;
    requests += batch.size();
    return batch;
  }

  private void send(List<Pending<Q, R>> batch) {
    List<Q> requests = new ArrayList<>(batch.size());
    for (Pending<Q, R> p : batch) {
      requests.add(p.request());
    }
    CompletableFuture<List<R>> f;
    try {
      f = call.apply(requests);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((results, error) -> finish(batch, results, error));
  }

  private void finish(List<Pending<Q, R>> batch, @Nullable List<R> results, @Nullable Throwable error) {
    if (error == null && (results == null || results.size() != batch.size())) {
      error =
          Status.INTERNAL
              .withDescription("batch call answered " + (results == null ? "nothing" : results.size() + " results") + " for " + batch.size() + " requests")
              .asRuntimeException();
    }
    for (int i = 0; i < batch.size(); i++) {
      if (error != null) {
        batch.get(i).result().completeExceptionally(error);
      } else {
        batch.get(i).result().complete(results.get(i));
      }
    }
    List<Pending<Q, R>> next;
    synchronized (this) {
      inFlight--;
      next = takeBatch();
    }
    if (next != null) {
      send(next);
    }
  }
}
