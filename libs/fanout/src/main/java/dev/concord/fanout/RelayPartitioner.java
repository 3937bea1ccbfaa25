package dev.concord.fanout;

import dev.concord.proto.guild.v1.RelayEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;

/**
 * The session pod's half of the relay: for one {@link RelayEvent} (one per pod, many recipients),
 * looks up each recipient, groups them by {@link RelayWorkers worker} (the hash of the session id)
 * and queues ONE task per worker that hands the worker all of its recipients at once.
 *
 * <p>Per-recipient work (filters, sequence numbers, frames) therefore runs on N workers in
 * parallel, never on the thread that reads the relay stream, and costs one task per worker per
 * event, not one per recipient. Because a recipient always maps to the same worker and the relay
 * stream is ordered, every recipient sees a guild's events in the guild's order.
 *
 * <p>Concurrency: {@link #onEvent} is called by the relay stream's reader (one thread at a time
 * per stream; several streams may call concurrently). It allocates per event, not per recipient,
 * beyond the worker lists.
 *
 * @param <S> the recipient type (a session)
 */
public final class RelayPartitioner<S> {
  /** Work for one worker: the recipients of {@code event} that hash to it, in event order. */
  @FunctionalInterface
  public interface Delivery<S> {
    void deliver(List<S> recipients, RelayEvent event);
  }

  private final RelayWorkers workers;
  private final LongFunction<S> lookup;
  private final ToLongFunction<S> keyOf;
  private final Delivery<S> delivery;
  private final Consumer<List<S>> rejected;
  private final ToAll toAll;

  /**
   * Work for every worker on an event to all of the guild's sessions ({@code all_subscribers}):
   * each worker finds its recipients in its own roster. {@code rejected} is called on the relay
   * thread with a worker whose queue refused the event: its sessions of the guild missed it.
   */
  public interface ToAll {
    void deliver(int worker, RelayEvent event);

    void rejected(int worker, RelayEvent event);
  }

  /**
   * @param lookup the live recipient of a session key, or null (it left: skipped)
   * @param keyOf the session key of a recipient (what picks its worker)
   * @param rejected called with the recipients of a task their worker refused (queue full): they
   *     missed an event and must resync
   */
  public RelayPartitioner(
      RelayWorkers workers,
      LongFunction<S> lookup,
      ToLongFunction<S> keyOf,
      Delivery<S> delivery,
      Consumer<List<S>> rejected) {
    this(workers, lookup, keyOf, delivery, rejected, null);
  }

  /** As above, also taking events to all subscribers ({@code toAll} null: such events are refused). */
  public RelayPartitioner(
      RelayWorkers workers,
      LongFunction<S> lookup,
      ToLongFunction<S> keyOf,
      Delivery<S> delivery,
      Consumer<List<S>> rejected,
      @org.jspecify.annotations.Nullable ToAll toAll) {
    this.toAll = toAll;
    this.workers = workers;
    this.lookup = lookup;
    this.keyOf = keyOf;
    this.delivery = delivery;
    this.rejected = rejected;
  }

  public void onEvent(RelayEvent event) {
    int n = workers.count();
    if (event.getAllSubscribers()) {
      if (toAll == null) {
        throw new IllegalStateException("an event to all subscribers needs a roster (ToAll)");
      }
      for (int w = 0; w < n; w++) {
        int worker = w;
        if (!workers.execute(w, () -> toAll.deliver(worker, event))) {
          toAll.rejected(w, event);
        }
      }
      return;
    }
    int recipients = event.getSessionKeysCount();
    @SuppressWarnings("unchecked")
    List<S>[] byWorker = new List[n];
    int expected = recipients / n + 1;
    for (int i = 0; i < recipients; i++) {
      S s = lookup.apply(event.getSessionKeys(i));
      if (s == null) {
        continue;
      }
      int w = workers.workerOf(keyOf.applyAsLong(s));
      List<S> list = byWorker[w];
      if (list == null) {
        list = new ArrayList<>(expected);
        byWorker[w] = list;
      }
      list.add(s);
    }
    for (int w = 0; w < n; w++) {
      List<S> batch = byWorker[w];
      if (batch != null && !workers.execute(w, () -> delivery.deliver(batch, event))) {
        rejected.accept(batch);
      }
    }
  }
}
