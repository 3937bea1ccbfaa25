package dev.concord.bench.ring;

import dev.concord.bench.ring.RingFixtures.RingOwnerThread;
import dev.concord.bench.ring.RingFixtures.TreeMapRing;
import dev.concord.ring.RingHolder;
import dev.concord.ring.RingMember;
import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One ring lookup (key → owning pod), four ways, with the same members, virtual nodes and hash:
 *
 * <ul>
 *   <li>{@link #concord}: {@code RingHolder.current().owner(key)}, the volatile read of the
 *       immutable snapshot plus its binary search over a primitive array (what a pod does on every
 *       routed call);
 *   <li>{@link #treeMapSynchronized}: a shared {@code TreeMap} ring every caller locks ({@code
 *       ceilingEntry}, wrapping to {@code firstEntry});
 *   <li>{@link #singleThreadOwner}: request/reply to one thread that owns the ring: post the key to
 *       its queue, block until its answer arrives (the owner blocks on its empty queue too);
 *   <li>{@link #singleThreadOwnerSpinning}: the same, but caller and owner busy-wait up to 50 µs
 *       before blocking, like the Erlang VM's schedulers: the best case of that design.
 * </ul>
 *
 * <p>Workload: 20 members × 512 virtual nodes (10,240 points); keys are 65,536 pre-generated
 * random snowflakes (ms since 2015 &lt;&lt; 22 | random low 22 bits), each thread walking the array
 * from its own random offset with a counter and a mask, so the key source costs one array read.
 * Meant to be run in Throughput mode at 1 and 2 threads (aggregate ops/µs; the ratio shows how
 * each design scales) and in AverageTime mode at 1 thread (ns per lookup).
 *
 * <p>Run: all modes and thread counts at once, with a summary, by {@link RingBenchmarks}; or only
 * this class with {@code java -cp <bench classpath> org.openjdk.jmh.Main RingLookupBenchmark -t 2}.
 */
public class RingLookupBenchmark {
  static final int KEY_MASK = (1 << 16) - 1;
  static final long SPIN_NANOS = 50_000;

  /** The three rings, shared by all benchmark threads. */
  @State(Scope.Benchmark)
  public static class Rings {
    // Assigned in setUp(), before any benchmark method runs.
    RingHolder holder;
    TreeMapRing tree;
    RingOwnerThread owner;
    RingOwnerThread spinningOwner;
    long[] keys;

    @Setup(Level.Trial)
    public void setUp() {
      holder = new RingHolder(RingFixtures.concordRing());
      tree = new TreeMapRing(holder.current());
      keys = RingFixtures.snowflakes(KEY_MASK + 1, 2015);
      RingFixtures.requireAgreement(holder.current(), tree, keys);
      owner = new RingOwnerThread(tree, 0);
      spinningOwner = new RingOwnerThread(tree, SPIN_NANOS);
      for (int i = 0; i < 1_000; i++) {
        RingMember expected = holder.current().owner(keys[i]);
        if (!owner.owner(keys[i]).equals(expected)
            || !spinningOwner.owner(keys[i]).equals(expected)) {
          throw new IllegalStateException("owner thread disagrees on " + keys[i]);
        }
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      owner.close();
      spinningOwner.close();
    }
  }

  /** Per-thread position in the key array. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    @Setup(Level.Trial)
    public void setUp() {
      next = ThreadLocalRandom.current().nextInt(KEY_MASK + 1);
    }

    long key(long[] keys) {
      return keys[next++ & KEY_MASK];
    }
  }

  @Benchmark
  public RingMember concord(Rings rings, Cursor cursor) {
    return rings.holder.current().owner(cursor.key(rings.keys));
  }

  @Benchmark
  public RingMember treeMapSynchronized(Rings rings, Cursor cursor) {
    return rings.tree.ownerLocked(cursor.key(rings.keys));
  }

  @Benchmark
  public RingMember singleThreadOwner(Rings rings, Cursor cursor) {
    return rings.owner.owner(cursor.key(rings.keys));
  }

  @Benchmark
  public RingMember singleThreadOwnerSpinning(Rings rings, Cursor cursor) {
    return rings.spinningOwner.owner(cursor.key(rings.keys));
  }
}
