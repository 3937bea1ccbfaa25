package dev.concord.guild.core;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One guild's ordered, single-threaded event loop: a bounded mailbox drained by at most one thread
 * of a shared pool at a time. No two tasks of a guild ever run concurrently, and they run in
 * submission order, so guild state needs no locks.
 *
 * <p>Concurrency: producers append to a lock-free queue; the {@code scheduled} flag (CAS) admits one
 * drainer. The handoff of the flag through the executor orders every task of a drain after every
 * task of the previous drain (happens-before), whichever pool thread runs it. A drain runs at most
 * {@link #BURST} tasks before yielding its thread, so one busy guild cannot starve the others.
 *
 * <p>Bounds: at most {@code capacity} queued tasks; {@link #submit} returns false beyond that and the
 * caller answers RESOURCE_EXHAUSTED instead of queueing.
 */
public final class GuildEventLoop {
  static final int BURST = 256;
  private static final Logger log = LoggerFactory.getLogger(GuildEventLoop.class);

  private final ConcurrentLinkedQueue<Runnable> mailbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Executor executor;
  private final int capacity;
  private final String name;

  public GuildEventLoop(String name, Executor executor, int capacity) {
    this.name = name;
    this.executor = executor;
    this.capacity = capacity;
  }

  /** Queues {@code task}; false if the mailbox is full. */
  public boolean submit(Runnable task) {
    if (size.incrementAndGet() > capacity) {
      size.decrementAndGet();
      return false;
    }
    mailbox.add(task);
    schedule();
    return true;
  }

  /**
   * Queues a control task past the capacity bound (one per eviction, never per call): it must not
   * be lost to a full mailbox. False only if the loop cannot run it.
   */
  public boolean submitControl(Runnable task) {
    size.incrementAndGet();
    mailbox.add(task);
    schedule();
    return true;
  }

  public int depth() {
    return size.get();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    try {
      Runnable task;
      for (int n = 0; n < BURST && (task = mailbox.poll()) != null; n++) {
        size.decrementAndGet();
        try {
          task.run();
        } catch (RuntimeException | AssertionError e) {
          log.error("task failed on event loop of {}", name, e);
        }
      }
    } finally {
      scheduled.set(false);
    }
    if (!mailbox.isEmpty()) {
      schedule();
    }
  }
}
