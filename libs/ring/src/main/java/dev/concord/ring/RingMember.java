package dev.concord.ring;

/**
 * A pod on a ring.
 *
 * @param id stable identity (pod name); determines the member's ring positions
 * @param address host:port of its gRPC server
 * @param weight relative share of the ring, 1..1000
 */
public record RingMember(String id, String address, int weight) {
  public RingMember {
    if (id.isEmpty()) {
      throw new IllegalArgumentException("member id is empty");
    }
    if (weight < 1 || weight > 1000) {
      throw new IllegalArgumentException("weight out of range: " + weight + " (expected: 1..1000)");
    }
  }

  public RingMember(String id, String address) {
    this(id, address, 1);
  }
}
