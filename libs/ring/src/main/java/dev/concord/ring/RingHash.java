package dev.concord.ring;

import java.nio.charset.StandardCharsets;

/**
 * The ring's stable 64-bit hash. Keys are hashed with the MurmurHash3 64-bit finalizer ({@code
 * fmix64}) applied to {@code key ^ SEED}: snowflakes share their high bits (time) and low bits
 * (increment), and fmix64 spreads every input bit over the whole output, so consecutive ids land
 * uniformly on the ring. Virtual-node positions hash the member's id (FNV-1a 64 over UTF-8) mixed
 * with the replica index the same way. Both are fixed forever: changing them moves every key.
 */
public final class RingHash {
  private static final long SEED = 0x9E3779B97F4A7C15L;

  private RingHash() {}

  public static long ofKey(long key) {
    return fmix64(key ^ SEED);
  }

  public static long ofVirtualNode(String memberId, int replica) {
    long h = 0xcbf29ce484222325L;
    for (byte b : memberId.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    return fmix64(h ^ fmix64(replica + SEED));
  }

  static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
