package dev.concord.registry.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.proto.common.v1.Role;
import dev.concord.ring.RingMember;
import dev.concord.ring.RingSnapshot;
import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipTest {
  private static final RingMember A = new RingMember("guild-0", "127.0.0.11:7710");
  private static final RingMember B = new RingMember("guild-1", "127.0.0.12:7710");

  @Test
  void setMembersAtRevision_newMembers_publishedAtTheRevision() {
    Membership m = new Membership(16);

    RingSnapshot ring = m.setMembersAtRevision(Role.ROLE_GUILD, List.of(A, B), 1234);

    assertThat(ring.version()).isEqualTo(1234);
    assertThat(m.ring(Role.ROLE_GUILD)).isSameAs(ring);
  }

  @Test
  void setMembersAtRevision_revisionNotAhead_versionStillMovesForward() {
    Membership m = new Membership(16);
    m.setMembersAtRevision(Role.ROLE_GUILD, List.of(A, B), 1234);

    RingSnapshot ring = m.setMembersAtRevision(Role.ROLE_GUILD, List.of(A), 7);

    assertThat(ring.version()).isEqualTo(1235);
  }

  @Test
  void setMembersAtRevision_sameMembersInAnotherOrder_nothingPublished() {
    Membership m = new Membership(16);
    RingSnapshot first = m.setMembersAtRevision(Role.ROLE_GUILD, List.of(A, B), 10);

    RingSnapshot again = m.setMembersAtRevision(Role.ROLE_GUILD, List.of(B, A), 20);

    assertThat(again).isSameAs(first);
  }

  @Test
  void setMembersAtRevision_twoRegistriesSameEndpoints_identicalRings() {
    Membership one = new Membership(64);
    Membership other = new Membership(64);

    RingSnapshot a = one.setMembersAtRevision(Role.ROLE_SESSION, List.of(A, B), 99);
    RingSnapshot b = other.setMembersAtRevision(Role.ROLE_SESSION, List.of(B, A), 99);

    assertThat(b.version()).isEqualTo(a.version());
    for (long key = -5_000; key < 5_000; key += 7) {
      assertThat(b.owner(key)).isEqualTo(a.owner(key));
    }
  }
}
