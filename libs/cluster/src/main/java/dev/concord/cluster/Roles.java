package dev.concord.cluster;

import dev.concord.proto.common.v1.Member;
import dev.concord.proto.registry.v1.RingSnapshot;
import dev.concord.ring.RingMember;
import java.util.ArrayList;
import java.util.List;

/** Conversions between registry messages and rings. */
public final class Roles {
  private Roles() {}

  public static dev.concord.ring.RingSnapshot toRing(RingSnapshot snapshot) {
    List<RingMember> members = new ArrayList<>(snapshot.getMembersCount());
    for (Member m : snapshot.getMembersList()) {
      members.add(new RingMember(m.getPodId(), m.getAddress(), Math.max(1, m.getWeight())));
    }
    int vnodes = snapshot.getVirtualNodes() == 0 ? dev.concord.ring.RingSnapshot.DEFAULT_VIRTUAL_NODES : snapshot.getVirtualNodes();
    return dev.concord.ring.RingSnapshot.of(snapshot.getVersion(), vnodes, members);
  }

  public static Member toWire(RingMember m) {
    return Member.newBuilder().setPodId(m.id()).setAddress(m.address()).setWeight(m.weight()).build();
  }
}
