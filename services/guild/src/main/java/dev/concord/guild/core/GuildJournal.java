package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of this pod's guild writes: every loop step that changed a guild (or produced
 * events) appends one {@link Entry}; ONE writer thread takes everything queued (up to {@code
 * maxBatch} entries), commits it in ONE transaction, and only then, in append order, runs each
 * entry's {@code onDurable} (which hands the events to the fanout and acknowledges the caller). So
 * an acknowledged write is always committed, nothing is fanned out before it is durable, and the
 * events of each guild leave in the guild's order. With {@code maxBatch = 1} it degrades to one
 * transaction per write (the benchmark's baseline).
 *
 * <p>Failure: a fenced guild (another pod claimed it) or a failed transaction fails the entries
 * concerned, and every later entry of the same guild at the same epoch (its in-memory state went
 * ahead of the store): the owner must re-activate the guild from the store (new epoch).
 *
 * <p>Bounds: at most {@code capacity} entries queued or in flight; {@link #reserve} is called
 * before a step changes anything, so a full journal refuses the step instead of losing it.
 *
 * <p>Concurrency: any thread reserves and appends (the guild's loop, in the guild's order); one
 * writer thread commits and runs the callbacks.
 */
public final class GuildJournal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GuildJournal.class);

  /**
   * The writes of one loop step of one guild, and what to do once they are durable (or failed).
   * An entry without writes is still ordered behind the guild's earlier entries (its events wait).
   */
  public record Entry(
      long guildId, long epoch, List<GuildStore.Write> writes, Runnable onDurable, Consumer<RuntimeException> onFailed) {}

  private final GuildStore store;
  private final int capacity;
  private final int maxBatch;
  private final LinkedBlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger reserved = new AtomicInteger();
  /**
   * (guild, epoch) pairs whose later entries fail: their in-memory state is ahead of the store.
   * Writer thread only. Bounded: the oldest are forgotten beyond {@link #MAX_POISONED} (by then the
   * guild was reloaded at a newer epoch, which fences any straggler of the old one anyway).
   */
  private final Set<List<Long>> poisoned =
      java.util.Collections.newSetFromMap(
          new java.util.LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<List<Long>, Boolean> eldest) {
              return size() > MAX_POISONED;
            }
          });

  static final int MAX_POISONED = 100_000;
  private final LongAdder commits = new LongAdder();
  private final LongAdder committedEntries = new LongAdder();
  private final LongAdder failedEntries = new LongAdder();
  private final LongAdder commitNanos = new LongAdder();
  private final Thread writer;
  private volatile boolean closed;

  public GuildJournal(GuildStore store, int capacity, int maxBatch) {
    if (capacity < 1 || maxBatch < 1) {
      throw new IllegalArgumentException(
          "journal bounds out of range: capacity " + capacity + ", max batch " + maxBatch + " (expected: >= 1)");
    }
    this.store = store;
    this.capacity = capacity;
    this.maxBatch = maxBatch;
    this.writer = Thread.ofPlatform().name("guild-journal").daemon().start(this::run);
  }

  /** Reserves room for one entry; false when the journal is full (the step must be refused). */
  public boolean reserve() {
    if (reserved.incrementAndGet() > capacity) {
      reserved.decrementAndGet();
      return false;
    }
    return true;
  }

  /** Gives back a reservation that produced no entry. */
  public void release() {
    reserved.decrementAndGet();
  }

  /** Appends an entry (after {@link #reserve}). */
  public void append(Entry e) {
    if (closed) {
      reserved.decrementAndGet();
      e.onFailed().accept(new GuildException(GuildException.Kind.UNAVAILABLE, "guild pod is shutting down"));
      return;
    }
    queue.add(e);
  }

  public int depth() {
    return reserved.get();
  }

  public long commits() {
    return commits.sum();
  }

  public long committedEntries() {
    return committedEntries.sum();
  }

  public long failedEntries() {
    return failedEntries.sum();
  }

  public long commitNanosTotal() {
    return commitNanos.sum();
  }

  private java.util.function.LongConsumer commitTimer = nanos -> {};

  /** Called with each group commit's duration (a histogram); set before the first append. */
  public GuildJournal withCommitTimer(java.util.function.LongConsumer timer) {
    this.commitTimer = timer;
    return this;
  }

  private void run() {
    List<Entry> batch = new ArrayList<>(maxBatch);
    while (!closed || !queue.isEmpty()) {
      try {
        Entry first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        commit(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException | Error e) {
        log.error("journal writer failed on a batch of {} entries", batch.size(), e);
        fail(batch, new GuildException(GuildException.Kind.UNAVAILABLE, "write failed: " + e));
      } finally {
        reserved.addAndGet(-batch.size());
        batch.clear();
      }
    }
  }

  private void commit(List<Entry> batch) {
    List<Entry> live = new ArrayList<>(batch.size());
    for (Entry e : batch) {
      if (poisoned.contains(key(e))) {
        failOne(e, new GuildException(GuildException.Kind.UNAVAILABLE, "guild " + Long.toUnsignedString(e.guildId()) + " is reloading; retry"));
      } else {
        live.add(e);
      }
    }
    // Each fenced guild is taken out and the rest retried: at most one retry per guild in the batch.
    while (true) {
      List<GuildStore.Commit> commits = new ArrayList<>(live.size());
      for (Entry e : live) {
        if (!e.writes().isEmpty()) {
          commits.add(new GuildStore.Commit(e.guildId(), e.epoch(), e.writes()));
        }
      }
      try {
        long t0 = System.nanoTime();
        store.commit(commits);
        if (!commits.isEmpty()) {
          long took = System.nanoTime() - t0;
          this.commits.increment();
          commitNanos.add(took);
          commitTimer.accept(took);
        }
        break;
      } catch (GuildStore.FencedException f) {
        log.warn("{}: its pending writes fail; the guild re-activates from the store", f.getMessage());
        GuildException error =
            new GuildException(GuildException.Kind.UNAVAILABLE, "guild " + Long.toUnsignedString(f.guildId()) + " moved to another pod; retry");
        for (Iterator<Entry> it = live.iterator(); it.hasNext(); ) {
          Entry e = it.next();
          if (e.guildId() == f.guildId()) {
            it.remove();
            failOne(e, error);
          }
        }
      } catch (RuntimeException ex) {
        if (live.size() > 1) {
          // one bad row must not fail every guild of the batch: each entry alone, in order
          log.warn("commit of {} entries failed ({}); committing them one by one", live.size(), ex.toString());
          for (Entry e : live) {
            commit(new ArrayList<>(List.of(e)));
          }
          return;
        }
        log.error("commit of guild {} failed", Long.toUnsignedString(live.get(0).guildId()), ex);
        fail(live, new GuildException(GuildException.Kind.UNAVAILABLE, "store unavailable: " + ex.getMessage()));
        return;
      }
    }
    for (Entry e : live) {
      committedEntries.increment();
      try {
        e.onDurable().run();
      } catch (RuntimeException | Error ex) {
        // committed: never report it as failed (a caller would retry and write it twice)
        log.error("after-commit step of guild {} failed", Long.toUnsignedString(e.guildId()), ex);
      }
    }
  }

  private void fail(List<Entry> entries, RuntimeException error) {
    for (Entry e : entries) {
      failOne(e, error);
    }
  }

  private void failOne(Entry e, RuntimeException error) {
    poisoned.add(key(e));
    failedEntries.increment();
    try {
      e.onFailed().accept(error);
    } catch (RuntimeException ex) {
      log.error("failure step of guild {} failed", Long.toUnsignedString(e.guildId()), ex);
    }
  }

  private static List<Long> key(Entry e) {
    return List.of(e.guildId(), e.epoch());
  }

  /** Commits what is queued, then stops the writer (bounded wait); fails what arrived too late. */
  @Override
  public void close() {
    closed = true;
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Entry late;
    while (!writer.isAlive() && (late = queue.poll()) != null) {
      reserved.decrementAndGet();
      late.onFailed().accept(new GuildException(GuildException.Kind.UNAVAILABLE, "guild pod is shutting down"));
    }
  }
}
