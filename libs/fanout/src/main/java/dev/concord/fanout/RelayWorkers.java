package dev.concord.fanout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * N single-threaded workers; a session id always hashes to the same one. Everything a session does
 * runs on its worker, in order, so session state needs no locks and a guild's events (arriving in
 * the guild's order on one relay stream) reach each session in that order. N defaults to the
 * number of cores: more workers than cores only add context switches.
 *
 * <p>Bounds: each worker queues at most {@code queueCapacity} tasks; {@link #execute} returns
 * false beyond that (the caller desyncs the affected sessions rather than dropping silently).
 */
public final class RelayWorkers implements AutoCloseable {
  private final List<ThreadPoolExecutor> workers = new ArrayList<>();

  public RelayWorkers(int count, int queueCapacity) {
    this("relay-worker-", count, queueCapacity);
  }

  public RelayWorkers(String namePrefix, int count, int queueCapacity) {
    if (count < 1) {
      throw new IllegalArgumentException("worker count out of range: " + count + " (expected: >= 1)");
    }
    for (int i = 0; i < count; i++) {
      workers.add(
          new ThreadPoolExecutor(
              1,
              1,
              0,
              TimeUnit.SECONDS,
              new ArrayBlockingQueue<>(queueCapacity),
              Thread.ofPlatform().name(namePrefix + i).daemon().factory(),
              new ThreadPoolExecutor.AbortPolicy()));
    }
  }

  public int count() {
    return workers.size();
  }

  /** The worker of a session key: a fixed mix of the key, so keys spread evenly. */
  public int workerOf(long sessionKey) {
    long h = sessionKey * 0x9E3779B97F4A7C15L;
    return (int) Math.floorMod(h ^ (h >>> 32), (long) workers.size());
  }

  public boolean execute(int worker, Runnable task) {
    try {
      workers.get(worker).execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** Tasks queued on each worker (introspection). */
  public int[] depths() {
    int[] d = new int[workers.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = workers.get(i).getQueue().size();
    }
    return d;
  }

  public long queued() {
    long n = 0;
    for (ThreadPoolExecutor w : workers) {
      n += w.getQueue().size();
    }
    return n;
  }

  @Override
  public void close() {
    workers.forEach(ThreadPoolExecutor::shutdownNow);
  }
}
