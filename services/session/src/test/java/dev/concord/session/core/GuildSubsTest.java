package dev.concord.session.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuildSubsTest {
  private static Session.GuildSub sub(long id) {
    return new Session.GuildSub(id);
  }

  @Test
  void keepsInsertionOrder_throughRemovesAndReplaces() {
    GuildSubs g = new GuildSubs();
    g.put(sub(30));
    g.put(sub(10));
    g.put(sub(20));
    Session.GuildSub again = sub(10);
    g.put(again); // replaces in place
    g.remove(30);
    g.put(sub(30)); // back at the end
    assertThat(g.ids()).containsExactly(10L, 20L, 30L);
    assertThat(g.get(10)).isSameAs(again);
    assertThat(g.values()).extracting(s -> s.guildId).containsExactly(10L, 20L, 30L);
    assertThat(g.size()).isEqualTo(3);
  }

  @Test
  void absentGuilds_areNull_andRemovingThemChangesNothing() {
    GuildSubs g = new GuildSubs();
    assertThat(g.get(1)).isNull();
    g.remove(1);
    g.put(sub(1));
    g.remove(2);
    assertThat(g.containsKey(1)).isTrue();
    assertThat(g.containsKey(2)).isFalse();
    g.remove(1);
    assertThat(g.size()).isZero();
    assertThat(g.ids()).isEmpty();
    assertThat(g.values()).isEmpty();
  }

  @Test
  void manyGuilds_goThroughTheIndex_andBackWhenMostLeave() {
    GuildSubs g = new GuildSubs();
    List<Long> expected = new ArrayList<>();
    for (long id = 1; id <= 200; id++) {
      g.put(sub(id * 7));
      expected.add(id * 7);
    }
    for (long id = 1; id <= 200; id++) {
      assertThat(g.get(id * 7)).extracting(s -> s.guildId).isEqualTo(id * 7);
      assertThat(g.get(id * 7 + 1)).isNull();
    }
    for (long id = 1; id <= 198; id++) { // past the index's threshold and back under it
      g.remove(id * 7);
      expected.remove(Long.valueOf(id * 7));
      assertThat(g.get(id * 7)).isNull();
    }
    assertThat(g.ids()).isEqualTo(expected);
    assertThat(g.get(199 * 7)).isNotNull();
    g.put(sub(5));
    assertThat(g.ids()).containsExactly(199L * 7, 200L * 7, 5L);
  }

  @Test
  void snapshots_areCopies_soCallersMayChangeTheSubsWhileIterating() {
    GuildSubs g = new GuildSubs();
    g.put(sub(1));
    g.put(sub(2));
    for (Session.GuildSub s : g.values()) {
      g.remove(s.guildId);
    }
    assertThat(g.size()).isZero();
  }
}
