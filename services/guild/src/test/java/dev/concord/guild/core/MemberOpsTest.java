package dev.concord.guild.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concord.guild.store.GuildStore;
import dev.concord.guild.store.JdbcGuildStore;
import dev.concord.guild.store.TestDatabase;
import dev.concord.protocol.SnowflakeGenerator;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Member and role management as plain functions of a {@link GuildState} (no loop, no server). */
class MemberOpsTest {
  static final long GUILD = 2_000;
  static final long OWNER = 1;
  static final long MOD = 2;
  static final long USER = 3;
  static final long MOD_ROLE = 50;

  private final Users users = new Users(new JdbcGuildStore(TestDatabase.postgres()), 100);
  private final OpContext ctx = new OpContext(new Payloads(), users, SnowflakeGenerator.forNode(8), Clock.systemUTC());
  private final MemberOps members = new MemberOps(ctx);
  private final RoleOps roles = new RoleOps(ctx);
  private final GuildState g = new GuildState(GUILD, "Guild", OWNER, Long.parseLong(Payloads.EVERYONE_PERMISSIONS), 1);
  private final MessageOpsTest.Recorder fanout = new MessageOpsTest.Recorder();

  MemberOpsTest() {
    users.cacheAll(
        List.of(
            new GuildStore.UserRow(OWNER, "owner", "", false),
            new GuildStore.UserRow(MOD, "mod", "", false),
            new GuildStore.UserRow(USER, "user", "", false)));
    g.roles.put(MOD_ROLE, new GuildState.Role(MOD_ROLE, "mods", Permissions.KICK_MEMBERS | Permissions.MANAGE_ROLES | Permissions.MANAGE_NICKNAMES, 1));
    g.members.put(OWNER, new GuildState.Member(OWNER, 0));
    g.members.put(MOD, new GuildState.Member(MOD, 0, Set.of(MOD_ROLE)));
    g.members.put(USER, new GuildState.Member(USER, 0));
    g.subscribe(new GuildState.Subscriber("s-user", 33, USER, "pod-a", 0));
    g.subscribe(new GuildState.Subscriber("s-mod", 22, MOD, "pod-a", 0));
  }

  private Step step() {
    return new Step(g, fanout);
  }

  @Test
  void remove_kick_tellsOnlyTheMembersSessionsAndUnsubscribesThem() {
    Step step = step();
    assertThat(members.remove(MOD, USER).apply(g, step)).isTrue();
    assertThat(g.members).doesNotContainKey(USER);
    assertThat(g.subscribersOf(USER)).isEmpty();
    assertThat(fanout.events).extracting(MessageOpsTest.Event::type).containsExactly("GUILD_DELETE", "GUILD_MEMBER_REMOVE");
    assertThat(step.writes()).containsExactly(new GuildStore.MemberDelete(GUILD, USER));
  }

  @Test
  void remove_theOwnerOrAnEqualRank_isRefused() {
    assertThatThrownBy(() -> members.remove(MOD, OWNER).apply(g, step()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.MISSING_PERMISSIONS));
    // USER has no KICK_MEMBERS
    assertThatThrownBy(() -> members.remove(USER, MOD).apply(g, step()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.MISSING_PERMISSIONS));
    g.members.put(USER, new GuildState.Member(USER, 0, Set.of(MOD_ROLE)));
    assertThatThrownBy(() -> members.remove(MOD, USER).apply(g, step()))
        .as("same top role")
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.MISSING_PERMISSIONS));
    // leaving is always allowed, except for the owner
    assertThat(members.remove(USER, USER).apply(g, step())).isTrue();
    assertThatThrownBy(() -> members.remove(OWNER, OWNER).apply(g, step())).isInstanceOf(GuildException.class);
  }

  @Test
  void update_nickAndRoles_oneEventAndTheRowsOfTheDifference() {
    GuildState.Member m = members.update(MOD, USER, true, "nick", null).apply(g, step());
    assertThat(m.nick()).isEqualTo("nick");
    // the mod cannot grant its own (top) role: the hierarchy
    assertThatThrownBy(() -> members.update(MOD, USER, false, null, List.of(MOD_ROLE)).apply(g, step()))
        .isInstanceOf(GuildException.class);
    Step step = step();
    GuildState.Member withRole = members.update(OWNER, USER, false, null, List.of(MOD_ROLE)).apply(g, step);
    assertThat(withRole.roles()).containsExactly(MOD_ROLE);
    assertThat(withRole.nick()).as("unchanged").isEqualTo("nick");
    assertThat(step.writes()).containsExactly(new GuildStore.MemberRoleRow(GUILD, USER, MOD_ROLE));
  }

  @Test
  void roleDelete_takesItFromMembersAndOverwrites() {
    g.channels.put(7L, new GuildState.Channel(7, "c", "", 0, 0, List.of(new GuildState.Overwrite(MOD_ROLE, Permissions.ROLE, 0, Permissions.VIEW_CHANNEL))));
    assertThat(roles.delete(OWNER, MOD_ROLE).apply(g, step())).isTrue();
    assertThat(g.members.get(MOD).roles()).isEmpty();
    assertThat(g.channels.get(7L).overwrites()).isEmpty();
    assertThatThrownBy(() -> roles.delete(OWNER, GUILD).apply(g, step())).isInstanceOf(GuildException.class);
    assertThatThrownBy(() -> roles.delete(OWNER, MOD_ROLE).apply(g, step()))
        .isInstanceOfSatisfying(GuildException.class, e -> assertThat(e.code()).isEqualTo(GuildException.UNKNOWN_ROLE));
  }
}
