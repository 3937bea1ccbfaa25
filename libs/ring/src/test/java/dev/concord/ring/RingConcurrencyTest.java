package dev.concord.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Multi-threaded stress test of {@link RingHolder} and {@link RingSnapshot}.
 *
 * <p>Every snapshot is self-describing: version {@code v} has exactly {@link #memberCount(long)}
 * members, each with id {@code "v{v}-m{i}"}. Two writers race to build and {@link RingHolder#offer
 * offer} snapshots with increasing versions (taken from one shared counter, so they arrive out of
 * order), and also re-offer stale snapshots that must be refused. Readers hammer {@link
 * RingHolder#current()} and check each snapshot they get: its version never goes below what that
 * reader saw before, it has the member count its version implies, and every owner it returns
 * belongs to that same version. A reader that saw a half-built ring, a mix of two rings, or a
 * version going backwards reports it; the test fails on the first report.
 *
 * <p>Bounded by a version count and a wall-clock budget, whichever comes first.
 */
class RingConcurrencyTest {
  private static final int WRITERS = 2;
  private static final int READERS = 3;
  private static final long MAX_VERSION = 50_000;
  private static final long WRITE_BUDGET_NANOS = TimeUnit.MILLISECONDS.toNanos(2_500);
  private static final int VIRTUAL_NODES = 16;
  private static final int KEYS_PER_READ = 4;

  /** Members in version {@code v}: 3..10, so {@code owners(key, 3)} always has three to pick. */
  static int memberCount(long version) {
    return 3 + (int) (version % 8);
  }

  static RingSnapshot snapshot(long version) {
    int n = memberCount(version);
    List<RingMember> members = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      members.add(new RingMember("v" + version + "-m" + i, "10.0.0." + i + ":7710"));
    }
    return RingSnapshot.of(version, VIRTUAL_NODES, members);
  }

  /** The version encoded in a member id {@code "v{v}-m{i}"}, or -1 if it does not parse. */
  static long versionOf(RingMember member) {
    String id = member.id();
    int dash = id.indexOf("-m");
    if (!id.startsWith("v") || dash < 2) {
      return -1;
    }
    try {
      return Long.parseLong(id, 1, dash, 10);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Checks one snapshot a reader got; returns a description of the first violation, or null.
   *
   * @param lastSeen the highest version this reader saw before
   */
  static String check(RingSnapshot snap, long lastSeen, long[] keys) {
    long v = snap.version();
    if (v < lastSeen) {
      return "version went backwards: saw v" + lastSeen + ", then v" + v;
    }
    if (v == 0) {
      return snap.isEmpty() ? null : "initial empty ring has members: " + snap;
    }
    int members = snap.members().size();
    if (members != memberCount(v)) {
      return "v" + v + " has " + members + " members, expected " + memberCount(v);
    }
    for (RingMember m : snap.members()) {
      if (versionOf(m) != v) {
        return "v" + v + " lists member " + m.id() + " of another version";
      }
    }
    for (long key : keys) {
      RingMember owner = snap.owner(key);
      if (versionOf(owner) != v) {
        return "v" + v + ".owner(" + key + ") = " + owner.id() + ", from another version";
      }
      List<RingMember> three = snap.owners(key, 3);
      if (three.size() != 3) {
        return "v" + v + ".owners(" + key + ", 3) has " + three.size() + " members: " + three;
      }
      if (!three.get(0).equals(owner)) {
        return "v" + v + ".owners(" + key + ", 3) does not start with the owner: " + three;
      }
      if (new HashSet<>(three).size() != 3) {
        return "v" + v + ".owners(" + key + ", 3) repeats a member: " + three;
      }
      for (RingMember m : three) {
        if (versionOf(m) != v) {
          return "v" + v + ".owners(" + key + ", 3) includes " + m.id() + " of another version";
        }
      }
    }
    return null;
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void offerAndCurrent_racingWritersAndReaders_readersSeeWholeRingsAndForwardVersions()
      throws Exception {
    RingHolder holder = new RingHolder();
    AtomicLong nextVersion = new AtomicLong(1);
    AtomicLong highestBuilt = new AtomicLong();
    AtomicBoolean writersDone = new AtomicBoolean();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    AtomicLongArray offered = new AtomicLongArray(WRITERS); // accepted offers per writer
    AtomicLongArray staleRefused = new AtomicLongArray(WRITERS);
    AtomicLongArray reads = new AtomicLongArray(READERS);
    AtomicLongArray versionChanges = new AtomicLongArray(READERS);
    long deadline = System.nanoTime() + WRITE_BUDGET_NANOS;

    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      threads.add(
          Thread.ofPlatform()
              .name("ring-writer-" + w)
              .unstarted(
                  guard(
                      failures,
                      () -> {
                        start.await();
                        RingSnapshot previous = null;
                        long v;
                        while ((v = nextVersion.getAndIncrement()) <= MAX_VERSION
                            && System.nanoTime() < deadline
                            && failures.isEmpty()) {
                          RingSnapshot next = snapshot(v);
                          highestBuilt.accumulateAndGet(v, Math::max);
                          if (holder.offer(next)) {
                            offered.incrementAndGet(writer);
                            if (holder.current().version() < v) {
                              failures.add("after offer(v" + v + ") succeeded, current is "
                                  + holder.current());
                            }
                          } else if (holder.current().version() <= v) {
                            failures.add("offer(v" + v + ") refused although current is "
                                + holder.current());
                          }
                          // A stale snapshot must never be installed again.
                          if (previous != null) {
                            if (holder.offer(previous)) {
                              failures.add("stale v" + previous.version() + " was installed over "
                                  + holder.current());
                            } else {
                              staleRefused.incrementAndGet(writer);
                            }
                          }
                          previous = next;
                        }
                      })));
    }
    for (int r = 0; r < READERS; r++) {
      int reader = r;
      threads.add(
          Thread.ofPlatform()
              .name("ring-reader-" + r)
              .unstarted(
                  guard(
                      failures,
                      () -> {
                        SplittableRandom rnd = new SplittableRandom(42 + reader);
                        long[] keys = new long[KEYS_PER_READ];
                        long lastSeen = 0;
                        start.await();
                        // Keep reading until the writers stop, then once more for the final state.
                        boolean last = false;
                        while (failures.isEmpty()) {
                          last = writersDone.get();
                          for (int i = 0; i < keys.length; i++) {
                            keys[i] = rnd.nextLong();
                          }
                          RingSnapshot snap = holder.current();
                          String problem = check(snap, lastSeen, keys);
                          if (problem != null) {
                            failures.add(Thread.currentThread().getName() + ": " + problem);
                            return;
                          }
                          if (snap.version() != lastSeen) {
                            versionChanges.incrementAndGet(reader);
                          }
                          lastSeen = snap.version();
                          reads.incrementAndGet(reader);
                          if (last) {
                            return;
                          }
                        }
                      })));
    }

    threads.forEach(Thread::start);
    start.countDown();
    for (Thread t : threads.subList(0, WRITERS)) {
      t.join();
    }
    writersDone.set(true);
    for (Thread t : threads.subList(WRITERS, threads.size())) {
      t.join();
    }

    assertThat(failures).as("violations seen by readers and writers").isEmpty();
    long maxBuilt = highestBuilt.get();
    long accepted = 0;
    for (int w = 0; w < WRITERS; w++) {
      accepted += offered.get(w);
      assertThat(offered.get(w)).as("writer %d installed snapshots", w).isPositive();
      assertThat(staleRefused.get(w)).as("writer %d had stale offers refused", w).isPositive();
    }
    assertThat(accepted).isBetween(1L, maxBuilt);
    // Nothing above the highest version built was ever offered, so offering it cannot be refused:
    // the holder ends exactly there.
    assertThat(holder.current().version()).isEqualTo(maxBuilt);
    assertThat(check(holder.current(), 0, new long[] {1, 2, 3})).isNull();
    for (int r = 0; r < READERS; r++) {
      assertThat(reads.get(r)).as("reader %d reads", r).isGreaterThan(100);
      // Overlap, not a sequential run: every reader watched the ring change under it.
      assertThat(versionChanges.get(r)).as("reader %d saw versions change", r).isGreaterThan(2);
    }
  }

  @Test
  void check_versionGoesBackwards_reportsIt() {
    assertThat(check(snapshot(7), 9, new long[] {1})).contains("backwards");
  }

  @Test
  void check_snapshotMixingVersions_reportsIt() {
    // A "half-built" ring: version 5's label on version 4's members.
    List<RingMember> members = snapshot(4).members();
    RingSnapshot mixed = RingSnapshot.of(5, VIRTUAL_NODES, members);
    assertThat(check(mixed, 0, new long[] {1})).isNotNull();
  }

  @Test
  void check_wholeSnapshot_passes() {
    assertThat(check(snapshot(12), 11, new long[] {1, -1, 0, Long.MAX_VALUE})).isNull();
  }

  @Test
  void versionOf_memberIds_parsesVersion() {
    assertThat(versionOf(new RingMember("v123-m4", "x:1"))).isEqualTo(123);
    assertThat(versionOf(new RingMember("guild-1", "x:1"))).isEqualTo(-1);
  }

  private interface Body {
    void run() throws Exception;
  }

  private static Runnable guard(ConcurrentLinkedQueue<String> failures, Body body) {
    return () -> {
      try {
        body.run();
      } catch (Throwable t) {
        failures.add(Thread.currentThread().getName() + " threw " + t);
      }
    };
  }

}
