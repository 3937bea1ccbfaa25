package dev.concord.gateway.ws;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.List;

/**
 * One flush per connection per event-loop pass, with one task per loop (not one per connection):
 * connections written to since the last pass are flushed together when the loop runs the pass,
 * after every write task queued before it. A burst of dispatches to thousands of sockets thus
 * costs one socket write per connection, and no task per connection.
 *
 * <p>Concurrency: one instance per event-loop thread (a thread-local of that thread, gone with
 * it), used only on that thread.
 */
final class LoopFlusher {
  private static final FastThreadLocal<LoopFlusher> CURRENT = new FastThreadLocal<>();

  private final EventLoop loop;
  private List<ConnectionWriter> dirty = new ArrayList<>();
  private List<ConnectionWriter> spare = new ArrayList<>();
  private boolean scheduled;
  private final Runnable pass = this::flushAll;

  private LoopFlusher(EventLoop loop) {
    this.loop = loop;
  }

  /** Call on {@code loop}: flush {@code w} in that loop's next pass (once however often it is added). */
  static void add(EventLoop loop, ConnectionWriter w) {
    LoopFlusher f = CURRENT.get();
    if (f == null || f.loop != loop) {
      f = new LoopFlusher(loop);
      CURRENT.set(f);
    }
    f.add(w);
  }

  private void add(ConnectionWriter c) {
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
