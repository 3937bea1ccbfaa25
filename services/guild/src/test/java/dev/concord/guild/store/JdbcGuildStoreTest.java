package dev.concord.guild.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The store against a real PostgreSQL: {@code CONCORD_TEST_JDBC_URL}, which {@code make test}
 * provides (scripts/ensure-postgres.sh installs and starts PostgreSQL when it is missing).
 */
class JdbcGuildStoreTest {
  static DataSource dataSource;
  JdbcGuildStore store;

  @BeforeAll
  static void database() {
    String url = System.getenv("CONCORD_TEST_JDBC_URL");
    if (url == null || url.isBlank() || url.startsWith("${")) {
      throw new IllegalStateException(
          "CONCORD_TEST_JDBC_URL is not set: run the tests with `make test` (it provides PostgreSQL), "
              + "or point it at a PostgreSQL database you own");
    }
    dataSource = new DriverManagerDataSource(url);
    Flyway.configure().dataSource(dataSource).cleanDisabled(false).load().clean();
    JdbcGuildStore.migrate(dataSource);
  }

  @BeforeEach
  void empty() {
    new JdbcTemplate(dataSource)
        .execute("truncate messages, channel_overwrites, member_roles, members, roles, channels, guilds, users");
    store = new JdbcGuildStore(dataSource);
  }

  @Test
  void migration_ranOnPostgres_withTheHistoryIndex() {
    JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    assertThat(jdbc.queryForObject("select version()", String.class)).startsWith("PostgreSQL");
    assertThat(jdbc.queryForList("select indexname from pg_indexes where tablename = 'messages'", String.class))
        .contains("messages_by_channel");
    assertThat(jdbc.queryForList("select indexname from pg_indexes where tablename = 'members'", String.class))
        .contains("members_by_user");
  }

  @Test
  void guild_roundTrips_withChannelsRolesMembersOverwrites() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    store.insertUser(new GuildStore.UserRow(1, "alice", "Alice", false));
    store.insertUser(new GuildStore.UserRow(2, "bob", null, true));
    store.insertGuild(100, "Guild", 1);
    store.insertMember(100, 1, now);
    store.insertMember(100, 2, now.plusSeconds(1));
    store.insertRole(new GuildStore.RoleRow(100, 100, "@everyone", 1024, 0));
    store.insertRole(new GuildStore.RoleRow(101, 100, "staff", 1024, 1));
    store.addMemberRole(100, 2, 101);
    store.insertChannel(new GuildStore.ChannelRow(200, 100, "general", null, 0, 0));
    store.putOverwrite(new GuildStore.OverwriteRow(200, 100, 0, 0, 1024));
    store.putOverwrite(new GuildStore.OverwriteRow(200, 100, 0, 2048, 0)); // replaces

    GuildStore.GuildRow g = store.loadGuild(100).orElseThrow();
    assertThat(g.name()).isEqualTo("Guild");
    assertThat(g.ownerId()).isEqualTo(1);
    assertThat(g.channels()).extracting(GuildStore.ChannelRow::name).containsExactly("general");
    assertThat(g.roles()).extracting(GuildStore.RoleRow::name).containsExactly("@everyone", "staff");
    assertThat(g.members()).extracting(GuildStore.MemberRow::userId).containsExactly(1L, 2L);
    assertThat(g.members().get(1).roleIds()).containsExactly(101L);
    assertThat(g.members().get(0).joinedAt()).isEqualTo(now);
    assertThat(g.overwrites()).containsExactly(new GuildStore.OverwriteRow(200, 100, 0, 2048, 0));
    assertThat(store.guildIdsOf(2)).containsExactly(100L);
    assertThat(store.user(2).orElseThrow().bot()).isTrue();
    assertThat(store.loadGuild(999)).isEmpty();
  }

  @Test
  void history_newestFirst_withBeforeAfterAndLimit() {
    store.insertUser(new GuildStore.UserRow(1, "alice", null, false));
    store.insertGuild(100, "Guild", 1);
    store.insertChannel(new GuildStore.ChannelRow(200, 100, "general", null, 0, 0));
    List<GuildStore.MessageRow> batch = new ArrayList<>();
    for (long id = 1001; id <= 1010; id++) {
      batch.add(new GuildStore.MessageRow(id, 200, 100, 1, "m" + id, "", Instant.now()));
    }
    store.insertMessages(batch);

    assertThat(store.messages(200, 0, 0, 3)).extracting(GuildStore.MessageRow::id).containsExactly(1010L, 1009L, 1008L);
    assertThat(store.messages(200, 1005, 0, 100)).extracting(GuildStore.MessageRow::id).containsExactly(1004L, 1003L, 1002L, 1001L);
    assertThat(store.messages(200, 0, 1007, 100)).extracting(GuildStore.MessageRow::id).containsExactly(1010L, 1009L, 1008L);
    assertThat(store.messages(200, 1009, 1006, 100)).extracting(GuildStore.MessageRow::id).containsExactly(1008L, 1007L);
    assertThatThrownBy(() -> store.messages(200, 0, 0, 101)).hasMessageContaining("expected: 1..100");
  }

  @Test
  void batch_isOneTransaction_aFailingRowLeavesNothing() {
    store.insertUser(new GuildStore.UserRow(1, "alice", null, false));
    store.insertGuild(100, "Guild", 1);
    store.insertChannel(new GuildStore.ChannelRow(200, 100, "general", null, 0, 0));
    List<GuildStore.MessageRow> batch =
        List.of(
            new GuildStore.MessageRow(1, 200, 100, 1, "ok", "", Instant.now()),
            new GuildStore.MessageRow(2, 999, 100, 1, "unknown channel", "", Instant.now()));
    assertThatThrownBy(() -> store.insertMessages(batch)).isInstanceOf(RuntimeException.class);
    assertThat(store.messages(200, 0, 0, 10)).isEmpty();
  }
}
