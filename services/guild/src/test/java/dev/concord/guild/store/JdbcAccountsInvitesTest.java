package dev.concord.guild.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.OptionalInt;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/** Accounts and invites on the real PostgreSQL: unique logins, token versions, counted uses. */
class JdbcAccountsInvitesTest {
  static DataSource dataSource;
  JdbcAccounts accounts;
  JdbcInvites invites;

  @BeforeAll
  static void database() {
    dataSource = TestDatabase.postgres();
  }

  @BeforeEach
  void empty() {
    new JdbcTemplate(dataSource).execute("truncate invites, accounts, messages, channel_overwrites, member_roles, members, roles, channels, guilds, users");
    accounts = new JdbcAccounts(dataSource);
    invites = new JdbcInvites(dataSource);
  }

  @Test
  void loginsAreUnique_theUserAndAccountCommitTogether_andVersionsOnlyGrow() {
    accounts.insert(new GuildStore.UserRow(1, "Alice", null, false), "alice", "$argon2id$hash-1");
    assertThatThrownBy(() -> accounts.insert(new GuildStore.UserRow(2, "ALICE", null, false), "alice", "$argon2id$hash-2"))
        .isInstanceOf(JdbcAccounts.LoginTakenException.class);
    // the refused registration left no user behind
    assertThat(new JdbcTemplate(dataSource).queryForObject("select count(*) from users where id = 2", Integer.class)).isZero();

    assertThat(accounts.byLogin("alice").orElseThrow()).isEqualTo(new JdbcAccounts.AccountRow(1, "alice", "$argon2id$hash-1", 0));
    assertThat(accounts.tokenVersion(1)).isEqualTo(OptionalInt.of(0));
    assertThat(accounts.bumpTokenVersion(1)).isEqualTo(OptionalInt.of(1));
    assertThat(accounts.bumpTokenVersion(1)).isEqualTo(OptionalInt.of(2));
    assertThat(accounts.changePassword(1, "$argon2id$hash-3")).isEqualTo(OptionalInt.of(3));
    assertThat(accounts.byUser(1).orElseThrow()).isEqualTo(new JdbcAccounts.AccountRow(1, "alice", "$argon2id$hash-3", 3));
    assertThat(accounts.tokenVersion(99)).isEmpty();
    assertThat(accounts.changePassword(99, "x")).isEmpty();
    assertThat(accounts.bumpTokenVersion(99)).isEmpty();
  }

  @Test
  void usesAreCountedUpToTheLimit_andExpiredInvitesAdmitNoOne() {
    new JdbcTemplate(dataSource).update("insert into users (id, username, bot) values (1, 'alice', false)");
    new JdbcTemplate(dataSource).update("insert into guilds (id, name, owner_id) values (100, 'Guild', 1)");
    new JdbcTemplate(dataSource).update("insert into channels (id, guild_id, name, type, position) values (200, 100, 'general', 0, 0)");
    new JdbcTemplate(dataSource).update("insert into members (guild_id, user_id, joined_at) values (100, 1, now())");
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    invites.insert(new JdbcInvites.InviteRow("twoUses1", 100, 200, 1, 3600, 2, 0, now, now.plusSeconds(3600)));
    invites.insert(new JdbcInvites.InviteRow("expired1", 100, 200, 1, 60, 0, 0, now.minusSeconds(120), now.minusSeconds(60)));

    assertThat(invites.use("twoUses1", now)).isTrue();
    assertThat(invites.use("twoUses1", now)).isTrue();
    assertThat(invites.use("twoUses1", now)).isFalse();
    invites.unuse("twoUses1");
    assertThat(invites.byCode("twoUses1").orElseThrow().uses()).isEqualTo(1);
    assertThat(invites.byCode("twoUses1").orElseThrow().admits(now)).isTrue();

    assertThat(invites.use("expired1", now)).isFalse();
    assertThat(invites.byCode("expired1").orElseThrow().admits(now)).isFalse();
    assertThat(invites.shown(100, 200).orElseThrow()).isEqualTo(new JdbcInvites.Shown("Guild", "general", 1));
    assertThat(invites.shown(100, 999)).isEmpty();
    assertThat(invites.delete("twoUses1")).isTrue();
    assertThat(invites.byCode("twoUses1")).isEmpty();
  }
}
