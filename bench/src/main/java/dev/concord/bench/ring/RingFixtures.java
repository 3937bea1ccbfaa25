package dev.concord.bench.ring;

import dev.concord.ring.RingHash;
import dev.concord.ring.RingMember;
import dev.concord.ring.RingSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The inputs every ring benchmark shares (members, virtual nodes, snowflake keys) and the two
 * baseline rings. Not a benchmark itself: {@link RingLookupBenchmark}, {@link RingBatchBenchmark}
 * and {@link RingBenchmarks} use it so that all of them measure the same ring.
 */
public final class RingFixtures {
  /** Members on the benchmarked ring (a guild role of 20 pods). */
  public static final int MEMBERS = 20;

  /** Virtual nodes per member: the production default. */
  public static final int VIRTUAL_NODES = RingSnapshot.DEFAULT_VIRTUAL_NODES;

  /** 2015-01-01T00:00:00Z, the snowflake epoch. */
  static final long SNOWFLAKE_EPOCH_MILLIS = 1_420_070_400_000L;

  /** 2026-01-01T00:00:00Z: keys spread over 2015..2026 (fixed, so every run sees the same keys). */
  static final long KEYS_UNTIL_MILLIS = 1_767_225_600_000L;

  private RingFixtures() {}

  public static List<RingMember> members(int n) {
    List<RingMember> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new RingMember("guild-" + i, "10.0.0." + (i + 1) + ":7710"));
    }
    return out;
  }

  /** The benchmarked ring: {@value #MEMBERS} members × {@value #VIRTUAL_NODES} virtual nodes. */
  public static RingSnapshot concordRing() {
    return RingSnapshot.of(1, VIRTUAL_NODES, members(MEMBERS));
  }

  /**
   * {@code n} random snowflakes: milliseconds since 2015 in the high 42 bits, random worker,
   * process and increment bits in the low 22 bits.
   */
  public static long[] snowflakes(int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    long span = KEYS_UNTIL_MILLIS - SNOWFLAKE_EPOCH_MILLIS;
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) {
      keys[i] = (rnd.nextLong(span) << 22) | rnd.nextInt(1 << 22);
    }
    return keys;
  }

  /** Throws unless {@code tree} gives the same owner as {@code ring} for every key. */
  static void requireAgreement(RingSnapshot ring, TreeMapRing tree, long[] keys) {
    for (long key : keys) {
      RingMember a = ring.owner(key);
      RingMember b = tree.lookup(key);
      if (!a.equals(b)) {
        throw new IllegalStateException(
            "rings disagree on " + key + ": concord " + a.id() + ", tree " + b.id());
      }
    }
  }

  /**
   * Baseline: the textbook ring, a {@code TreeMap} from virtual-node position to member; lookup is
   * {@code ceilingEntry(hash(key))}, wrapping to {@code firstEntry()}. Positions come from {@link
   * RingHash} and ties go to the smaller member id, so it agrees with {@link RingSnapshot} on every
   * key. {@link #lookup} is unsynchronized (for a ring one thread owns); {@link #ownerLocked} is
   * the shared-table variant every caller locks.
   */
  public static final class TreeMapRing {
    private final TreeMap<Long, RingMember> points = new TreeMap<>();

    public TreeMapRing(RingSnapshot like) {
      // members() is in id order, so putIfAbsent leaves a tied position to the smaller id.
      for (RingMember m : like.members()) {
        int replicas = like.virtualNodes() * m.weight();
        for (int r = 0; r < replicas; r++) {
          points.putIfAbsent(RingHash.ofVirtualNode(m.id(), r), m);
        }
      }
    }

    public RingMember lookup(long key) {
      Map.Entry<Long, RingMember> e = points.ceilingEntry(RingHash.ofKey(key));
      return (e != null ? e : points.firstEntry()).getValue();
    }

    public RingMember ownerLocked(long key) {
      synchronized (points) {
        return lookup(key);
      }
    }
  }

  /**
   * Baseline: the ring owned by one thread, as in a design where a single process holds the ring
   * and every lookup is a call to it. A caller posts {@code (key, reply future)} to the owner's
   * queue and waits until the owner completes the future with the answer.
   *
   * <p>With {@code spinNanos == 0} both sides block as soon as there is nothing to do (plain {@code
   * BlockingQueue.take()} and {@code CompletableFuture.join()}), so every call pays two thread
   * wake-ups. With {@code spinNanos > 0} both sides busy-wait up to that long before blocking, as
   * the Erlang VM's schedulers do before they sleep: the best case for this design, costing one
   * core-to-core round trip per call while both threads have a CPU each.
   */
  public static final class RingOwnerThread implements AutoCloseable {
    private record Call(long key, CompletableFuture<RingMember> reply) {}

    private static final Call STOP = new Call(0, new CompletableFuture<>());

    private final BlockingQueue<Call> inbox = new LinkedBlockingQueue<>();
    private final TreeMapRing ring;
    private final long spinNanos;
    private final Thread thread;

    public RingOwnerThread(TreeMapRing ring, long spinNanos) {
      this.ring = ring;
      this.spinNanos = spinNanos;
      this.thread = Thread.ofPlatform().name("ring-owner").daemon().start(this::serve);
    }

    private void serve() {
      try {
        for (Call call = next(); call != STOP; call = next()) {
          call.reply().complete(ring.lookup(call.key()));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private Call next() throws InterruptedException {
      if (spinNanos > 0) {
        long until = System.nanoTime() + spinNanos;
        do {
          Call call = inbox.poll();
          if (call != null) {
            return call;
          }
          Thread.onSpinWait();
        } while (System.nanoTime() < until);
      }
      return inbox.take();
    }

    public RingMember owner(long key) {
      CompletableFuture<RingMember> reply = new CompletableFuture<>();
      inbox.add(new Call(key, reply));
      if (spinNanos > 0) {
        long until = System.nanoTime() + spinNanos;
        while (!reply.isDone() && System.nanoTime() < until) {
          Thread.onSpinWait();
        }
      }
      return reply.join();
    }

    @Override
    public void close() throws InterruptedException {
      inbox.add(STOP);
      thread.join(5_000);
    }
  }

  /** Fraction of {@code keys} whose owner differs between {@code before} and {@code after}. */
  public static MoveStats moved(
      RingSnapshot before, RingSnapshot after, String newcomer, long[] keys) {
    long moved = 0;
    long movedElsewhere = 0;
    for (long key : keys) {
      RingMember was = before.owner(key);
      RingMember now = after.owner(key);
      if (!was.equals(now)) {
        moved++;
        if (!now.id().equals(newcomer)) {
          movedElsewhere++;
        }
      }
    }
    return new MoveStats(keys.length, moved, movedElsewhere);
  }

  /**
   * For each newcomer id {@code "guild-" + i}, {@code i} in {@code [first, first + count)}: the
   * fraction of {@code keys} that move when it joins {@code before} (same virtual nodes), divided
   * by the ideal {@code 1 / (members + 1)}. Shows how much a join's share depends on the
   * newcomer's id, i.e. on where its virtual nodes happen to land.
   */
  public static double[] movedOverIdeal(RingSnapshot before, int first, int count, long[] keys) {
    RingMember[] was = new RingMember[keys.length];
    for (int k = 0; k < keys.length; k++) {
      was[k] = before.owner(keys[k]);
    }
    double ideal = 1.0 / (before.members().size() + 1);
    double[] out = new double[count];
    for (int i = 0; i < count; i++) {
      List<RingMember> members = new ArrayList<>(before.members());
      members.add(new RingMember("guild-" + (first + i), "10.0.1." + (i + 1) + ":7710"));
      RingSnapshot after = RingSnapshot.of(before.version() + 1, before.virtualNodes(), members);
      long moved = 0;
      for (int k = 0; k < keys.length; k++) {
        if (!after.owner(keys[k]).equals(was[k])) {
          moved++;
        }
      }
      out[i] = (double) moved / keys.length / ideal;
    }
    return out;
  }

  /**
   * @param keys keys looked up
   * @param moved keys whose owner changed
   * @param movedElsewhere moved keys whose new owner is not the newcomer (ideal: 0)
   */
  public record MoveStats(long keys, long moved, long movedElsewhere) {
    public double fraction() {
      return (double) moved / keys;
    }
  }
}
