package dev.concord.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * An immutable, versioned consistent-hash ring.
 *
 * <p>Each member owns {@code virtualNodes × weight} points on a 64-bit circle; a key belongs to
 * the member of the first point at or after the key's hash (wrapping). Points live in one sorted
 * {@code long[]} with a parallel {@code int[]} of owners, so a lookup is one binary search over
 * primitives: no boxing, no pointer chasing, no allocation.
 *
 * <p>Construction is deterministic: the same members and virtual-node count always give the same
 * ring, whatever order the members were listed in, so every pod and every registry replica agrees
 * on the owner of every key. Ties between two members' points (vanishingly rare) go to the smaller
 * member id.
 *
 * <p>Concurrency: immutable after construction and safely published through {@link RingHolder}'s
 * volatile reference; any number of threads read it without synchronization.
 */
public final class RingSnapshot {
  public static final int DEFAULT_VIRTUAL_NODES = 512;

  private final long version;
  private final int virtualNodes;
  private final RingMember[] members;
  private final long[] points;
  private final int[] owners;

  private RingSnapshot(long version, int virtualNodes, RingMember[] members, long[] points, int[] owners) {
    this.version = version;
    this.virtualNodes = virtualNodes;
    this.members = members;
    this.points = points;
    this.owners = owners;
  }

  public static RingSnapshot empty() {
    return new RingSnapshot(0, DEFAULT_VIRTUAL_NODES, new RingMember[0], new long[0], new int[0]);
  }

  public static RingSnapshot of(long version, int virtualNodes, List<RingMember> memberList) {
    if (virtualNodes < 1 || virtualNodes > 4096) {
      throw new IllegalArgumentException(
          "virtualNodes out of range: " + virtualNodes + " (expected: 1..4096)");
    }
    RingMember[] sorted = memberList.toArray(RingMember[]::new);
    Arrays.sort(sorted, Comparator.comparing(RingMember::id));
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i].id().equals(sorted[i - 1].id())) {
        throw new IllegalArgumentException("duplicate member id: " + sorted[i].id());
      }
    }
    int total = 0;
    for (RingMember m : sorted) {
      total += virtualNodes * m.weight();
    }
    // Sort (hash, member index) pairs; members are already in id order, so a stable sort breaks
    // ties by member id.
    long[][] pairs = new long[total][];
    int n = 0;
    for (int mi = 0; mi < sorted.length; mi++) {
      int replicas = virtualNodes * sorted[mi].weight();
      for (int r = 0; r < replicas; r++) {
        pairs[n++] = new long[] {RingHash.ofVirtualNode(sorted[mi].id(), r), mi};
      }
    }
    Arrays.sort(pairs, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    long[] points = new long[total];
    int[] owners = new int[total];
    for (int i = 0; i < total; i++) {
      points[i] = pairs[i][0];
      owners[i] = (int) pairs[i][1];
    }
    return new RingSnapshot(version, virtualNodes, sorted, points, owners);
  }

  public long version() {
    return version;
  }

  public int virtualNodes() {
    return virtualNodes;
  }

  public List<RingMember> members() {
    return List.of(members);
  }

  public boolean isEmpty() {
    return members.length == 0;
  }

  public Optional<RingMember> member(String id) {
    for (RingMember m : members) {
      if (m.id().equals(id)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  /** The owner of {@code key}; throws {@link IllegalStateException} on an empty ring. */
  public RingMember owner(long key) {
    if (points.length == 0) {
      throw new IllegalStateException("ring v" + version + " has no members");
    }
    return members[owners[indexOf(RingHash.ofKey(key))]];
  }

  /** Up to {@code n} distinct members, clockwise from {@code key}'s position; the first is the owner. */
  public List<RingMember> owners(long key, int n) {
    int want = Math.min(n, members.length);
    List<RingMember> out = new ArrayList<>(want);
    if (want <= 0) {
      return out;
    }
    boolean[] taken = new boolean[members.length];
    int i = indexOf(RingHash.ofKey(key));
    for (int steps = 0; steps < points.length && out.size() < want; steps++) {
      int owner = owners[(i + steps) % points.length];
      if (!taken[owner]) {
        taken[owner] = true;
        out.add(members[owner]);
      }
    }
    return out;
  }

  /** Index of the first point with hash >= h (unsigned order), wrapping to 0. */
  private int indexOf(long h) {
    // Points are sorted as signed longs; the circle is the signed order too, which is fine: any
    // fixed total order of the 2^64 values is a circle.
    int lo = 0;
    int hi = points.length - 1;
    if (h > points[hi]) {
      return 0;
    }
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (points[mid] < h) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  @Override
  public String toString() {
    return "RingSnapshot{v" + version + ", " + members.length + " members, " + points.length + " points}";
  }
}
