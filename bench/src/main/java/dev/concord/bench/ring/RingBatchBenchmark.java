package dev.concord.bench.ring;

import dev.concord.bench.ring.RingFixtures.TreeMapRing;
import dev.concord.ring.RingHolder;
import java.util.Arrays;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A reconnect storm's routing work on one thread: 500,000 sessions × 5 guilds = 2,500,000 owner
 * lookups, one benchmark operation being the whole batch. Measured in SingleShotTime mode (each
 * iteration times one batch; the summary reports the median batch).
 *
 * <p>Workload: the same 20-member × 512-virtual-node ring as {@link RingLookupBenchmark}; the 2.5 M
 * guild ids are distinct random snowflakes generated once per fork, so no lookup is a repeat.
 * {@link #concord} reads the snapshot from the {@link RingHolder} once per session (as a session
 * pod would when it re-subscribes a session's guilds) and looks up its 5 guilds; {@link
 * #treeMapSynchronized} does the same lookups on the locked {@code TreeMap} baseline. (The
 * single-thread-owner baseline would take tens of seconds per batch; {@link RingBenchmarks}
 * extrapolates it from its per-lookup time instead.)
 *
 * <p>Run: with everything else by {@link RingBenchmarks}; or only this class with {@code java -cp
 * <bench classpath> org.openjdk.jmh.Main RingBatchBenchmark -bm ss -wi 10 -i 20 -tu ms}.
 */
public class RingBatchBenchmark {
  public static final int SESSIONS = 500_000;
  public static final int GUILDS_PER_SESSION = 5;
  public static final int LOOKUPS = SESSIONS * GUILDS_PER_SESSION;

  /** The ring and the 2.5 M guild ids, session by session. */
  @State(Scope.Benchmark)
  public static class Batch {
    // Assigned in setUp(), before any benchmark method runs.
    RingHolder holder;
    TreeMapRing tree;
    long[] guildIds;

    @Setup(Level.Trial)
    public void setUp() {
      holder = new RingHolder(RingFixtures.concordRing());
      tree = new TreeMapRing(holder.current());
      guildIds = RingFixtures.snowflakes(LOOKUPS, 2021);
      RingFixtures.requireAgreement(holder.current(), tree, Arrays.copyOf(guildIds, 10_000));
    }
  }

  @Benchmark
  public void concord(Batch batch, Blackhole bh) {
    long[] ids = batch.guildIds;
    for (int s = 0; s < ids.length; s += GUILDS_PER_SESSION) {
      var ring = batch.holder.current();
      for (int g = s; g < s + GUILDS_PER_SESSION; g++) {
        bh.consume(ring.owner(ids[g]));
      }
    }
  }

  @Benchmark
  public void treeMapSynchronized(Batch batch, Blackhole bh) {
    long[] ids = batch.guildIds;
    for (int i = 0; i < ids.length; i++) {
      bh.consume(batch.tree.ownerLocked(ids[i]));
    }
  }
}
