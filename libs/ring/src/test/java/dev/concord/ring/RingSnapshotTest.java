package dev.concord.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RingSnapshotTest {
  private static List<RingMember> members(int n) {
    List<RingMember> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new RingMember("guild-" + i, "127.0.0.1:" + (9000 + i)));
    }
    return out;
  }

  @Test
  void owner_sameMembersAnyOrder_sameOwners() {
    List<RingMember> a = members(5);
    List<RingMember> b = new ArrayList<>(a);
    java.util.Collections.reverse(b);
    RingSnapshot r1 = RingSnapshot.of(1, 64, a);
    RingSnapshot r2 = RingSnapshot.of(1, 64, b);
    SplittableRandom rnd = new SplittableRandom(1);
    for (int i = 0; i < 10_000; i++) {
      long key = rnd.nextLong();
      assertThat(r1.owner(key)).isEqualTo(r2.owner(key));
    }
  }

  @Test
  void owner_snowflakeKeys_spreadEvenly() {
    RingSnapshot ring = RingSnapshot.of(1, 512, members(4));
    Map<String, Integer> counts = new HashMap<>();
    long base = 1_300_000_000_000_000_000L;
    for (int i = 0; i < 100_000; i++) {
      counts.merge(ring.owner(base + ((long) i << 22)).id(), 1, Integer::sum);
    }
    assertThat(counts).hasSize(4);
    counts.values().forEach(c -> assertThat(c).isBetween(20_000, 30_000));
  }

  @Test
  void owners_returnsDistinctMembersOwnerFirst() {
    RingSnapshot ring = RingSnapshot.of(3, 32, members(5));
    List<RingMember> three = ring.owners(42L, 3);
    assertThat(three).hasSize(3).doesNotHaveDuplicates();
    assertThat(three.get(0)).isEqualTo(ring.owner(42L));
    assertThat(ring.owners(42L, 10)).hasSize(5);
  }

  @Test
  void owner_memberAdded_movesAboutItsShare() {
    RingSnapshot before = RingSnapshot.of(1, 512, members(20));
    RingSnapshot after = RingSnapshot.of(2, 512, members(21));
    SplittableRandom rnd = new SplittableRandom(7);
    int moved = 0;
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      long key = rnd.nextLong();
      RingMember was = before.owner(key);
      RingMember now = after.owner(key);
      if (!was.equals(now)) {
        moved++;
        assertThat(now.id()).isEqualTo("guild-20"); // keys only move to the newcomer
      }
    }
    assertThat((double) moved / n).isBetween(1.0 / 21 * 0.8, 1.0 / 21 * 1.2);
  }

  @Test
  void owner_emptyRing_failsWithVersion() {
    assertThatThrownBy(() -> RingSnapshot.empty().owner(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no members");
  }

  @Test
  void of_duplicateMember_rejected() {
    assertThatThrownBy(
            () ->
                RingSnapshot.of(
                    1, 8, List.of(new RingMember("a", "x:1"), new RingMember("a", "x:2"))))
        .hasMessageContaining("duplicate member id: a");
  }

  @Test
  void holder_offer_neverGoesBackwards() {
    RingHolder holder = new RingHolder();
    assertThat(holder.offer(RingSnapshot.of(5, 8, members(1)))).isTrue();
    assertThat(holder.offer(RingSnapshot.of(4, 8, members(2)))).isFalse();
    assertThat(holder.current().version()).isEqualTo(5);
  }
}
