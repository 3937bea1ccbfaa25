package dev.concord.gateway.ws;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One flush per connection per event-loop pass, with one task per loop (not one per connection):
 * connections written to since the last pass are flushed together when the loop runs the pass,
 * after every write task queued before it. A burst of dispatches to thousands of sockets thus
 * costs one socket write per connection, and no task per connection.
 *
 * <p>Concurrency: one instance per event loop; its state is touched only on that loop (the map of
 * instances is concurrent).
 */
final class LoopFlusher {
  private static final ConcurrentHashMap<EventLoop, LoopFlusher> BY_LOOP = new ConcurrentHashMap<>();

  private final EventLoop loop;
  private List<ConnectionWriter> dirty = new ArrayList<>();
  private List<ConnectionWriter> spare = new ArrayList<>();
  private boolean scheduled;
  private final Runnable pass = this::flushAll;

  private LoopFlusher(EventLoop loop) {
    this.loop = loop;
  }

  /** The flusher of {@code loop} (call on that loop). */
  static LoopFlusher of(EventLoop loop) {
    return BY_LOOP.computeIfAbsent(loop, LoopFlusher::new);
  }

  /** On the loop: flush {@code c} in the next pass (once however often it is added). */
  void add(ConnectionWriter c) {
    if (c.markDirty()) {
      dirty.add(c);
    }
    if (!scheduled) {
      scheduled = true;
      loop.execute(pass);
    }
  }

  private void flushAll() {
    scheduled = false;
    List<ConnectionWriter> now = dirty;
    dirty = spare;
    for (ConnectionWriter c : now) {
      c.flushDirty();
    }
    now.clear();
    spare = now;
  }
}
