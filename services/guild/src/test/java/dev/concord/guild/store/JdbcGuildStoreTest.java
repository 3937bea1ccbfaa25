package dev.concord.guild.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The store against a real PostgreSQL: {@code CONCORD_TEST_JDBC_URL}, which {@code make test}
 * provides (scripts/ensure-postgres.sh installs and starts PostgreSQL when it is missing).
 */
class JdbcGuildStoreTest {
  static DataSource dataSource;
  JdbcGuildStore store;

  @BeforeAll
  static void database() {
    dataSource = TestDatabase.postgres();
  }

  private static GuildStore.Commit commit(long guildId, long epoch, GuildStore.Write... writes) {
    return new GuildStore.Commit(guildId, epoch, List.of(writes));
  }

  @BeforeEach
  void empty() {
    new JdbcTemplate(dataSource)
        .execute("truncate invites, accounts, messages, channel_overwrites, member_roles, members, roles, channels, guilds, users");
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
    store.commit(
        List.of(
            commit(100, 1, new GuildStore.NewGuild(100, "Guild", 1, 1), new GuildStore.MemberRow(100, 1, now, List.of())),
            commit(
                100,
                1,
                new GuildStore.MemberRow(100, 2, now.plusSeconds(1), List.of()),
                new GuildStore.RoleRow(100, 100, "@everyone", 1024, 0),
                new GuildStore.RoleRow(101, 100, "staff", 1024, 1),
                new GuildStore.MemberRoleRow(100, 2, 101),
                new GuildStore.ChannelRow(200, 100, "general", null, 0, 0),
                new GuildStore.OverwriteRow(200, 100, 0, 0, 1024))));
    store.commit(List.of(commit(100, 1, new GuildStore.OverwriteRow(200, 100, 0, 2048, 0)))); // replaces

    GuildStore.GuildRow g = store.loadGuild(100).orElseThrow();
    assertThat(g.name()).isEqualTo("Guild");
    assertThat(g.ownerId()).isEqualTo(1);
    assertThat(g.epoch()).isEqualTo(1);
    assertThat(g.channels()).extracting(GuildStore.ChannelRow::name).containsExactly("general");
    assertThat(g.roles()).extracting(GuildStore.RoleRow::name).containsExactly("@everyone", "staff");
    assertThat(g.members()).extracting(GuildStore.MemberRow::userId).containsExactly(1L, 2L);
    assertThat(g.members().get(1).roleIds()).containsExactly(101L);
    assertThat(g.members().get(0).joinedAt()).isEqualTo(now);
    assertThat(g.overwrites()).containsExactly(new GuildStore.OverwriteRow(200, 100, 0, 2048, 0));
    assertThat(store.guildIdsOf(2)).containsExactly(100L);
    assertThat(store.guildIdsOf(List.of(1L, 2L, 999L))).isEqualTo(java.util.Map.of(1L, List.of(100L), 2L, List.of(100L)));
    assertThat(store.user(2).orElseThrow().bot()).isTrue();
    assertThat(store.loadGuild(999)).isEmpty();
  }

  @Test
  void history_newestFirst_withBeforeAfterAndLimit() {
    guildWithChannel();
    List<GuildStore.Write> batch = new ArrayList<>();
    for (long id = 1001; id <= 1010; id++) {
      batch.add(new GuildStore.MessageRow(id, 200, 100, 1, "m" + id, "", Instant.now()));
    }
    store.commit(List.of(new GuildStore.Commit(100, 1, batch)));

    assertThat(store.messages(200, 0, 0, 3)).extracting(GuildStore.MessageRow::id).containsExactly(1010L, 1009L, 1008L);
    assertThat(store.messages(200, 1005, 0, 100)).extracting(GuildStore.MessageRow::id).containsExactly(1004L, 1003L, 1002L, 1001L);
    assertThat(store.messages(200, 0, 1007, 100)).extracting(GuildStore.MessageRow::id).containsExactly(1010L, 1009L, 1008L);
    assertThat(store.messages(200, 1009, 1006, 100)).extracting(GuildStore.MessageRow::id).containsExactly(1008L, 1007L);
    assertThatThrownBy(() -> store.messages(200, 0, 0, 101)).hasMessageContaining("expected: 1..100");
    // the catch-up read: oldest first, after < id <= upTo
    assertThat(store.guildMessages(100, 1007, 1009, 10)).extracting(GuildStore.MessageRow::id).containsExactly(1008L, 1009L);
    // beyond the limit: the newest ones (older ones are left to the history API), oldest first
    assertThat(store.guildMessages(100, 0, 1010, 3)).extracting(GuildStore.MessageRow::id).containsExactly(1008L, 1009L, 1010L);
    assertThat(store.maxMessageId(100)).isEqualTo(1010);
    assertThat(store.maxMessageId(999)).isZero();
  }

  private void guildWithChannel() {
    store.insertUser(new GuildStore.UserRow(1, "alice", null, false));
    store.commit(
        List.of(
            commit(
                100,
                1,
                new GuildStore.NewGuild(100, "Guild", 1, 1),
                new GuildStore.MemberRow(100, 1, Instant.now(), List.of()),
                new GuildStore.ChannelRow(200, 100, "general", null, 0, 0))));
  }

  @Test
  void claim_bumpsEpoch_olderOwnersWritesFenced_nothingWritten() {
    guildWithChannel();
    assertThat(store.claim(100)).isEqualTo(2);
    GuildStore.MessageRow late = new GuildStore.MessageRow(5, 200, 100, 1, "from the old owner", "", Instant.now());
    assertThatThrownBy(() -> store.commit(List.of(commit(100, 1, late))))
        .isInstanceOfSatisfying(GuildStore.FencedException.class, f -> assertThat(f.guildId()).isEqualTo(100));
    assertThat(store.messages(200, 0, 0, 10)).isEmpty();
    store.commit(List.of(commit(100, 2, late)));
    assertThat(store.messages(200, 0, 0, 10)).hasSize(1);
    assertThat(store.claim(999)).isEqualTo(-1);
  }

  @Test
  void epochs_currentPerGuild_unknownAbsent_acrossQueryChunks() {
    guildWithChannel();
    store.claim(100);
    store.claim(100);
    List<Long> asked = new java.util.ArrayList<>();
    for (long id = 1; id <= JdbcGuildStore.MAX_EPOCH_IDS + 5; id++) {
      asked.add(100_000 + id); // no such guilds: the ask spans two queries
    }
    asked.add(100L); // in the second one
    assertThat(store.epochs(asked)).containsExactly(java.util.Map.entry(100L, 3L));
    assertThat(store.epochs(List.of())).isEmpty();
  }

  @Test
  void claim_waitsForTheOldOwnersTransactionInFlight_thenSeesItsWrite() throws Exception {
    guildWithChannel();
    org.springframework.transaction.support.TransactionTemplate tx =
        new org.springframework.transaction.support.TransactionTemplate(
            new org.springframework.jdbc.datasource.DataSourceTransactionManager(dataSource));
    java.util.concurrent.CountDownLatch locked = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
    Thread oldOwner =
        Thread.ofPlatform()
            .start(
                () ->
                    tx.executeWithoutResult(
                        s -> {
                          JdbcTemplate jdbc = new JdbcTemplate(dataSource);
                          jdbc.update("update guilds set epoch = epoch where id = 100 and epoch = 1");
                          jdbc.update(
                              "insert into messages (id, channel_id, guild_id, author_id, content, created_at) values (7, 200, 100, 1, 'in flight', now())");
                          locked.countDown();
                          try {
                            finish.await(10, java.util.concurrent.TimeUnit.SECONDS);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                        }));
    assertThat(locked.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    var claim = java.util.concurrent.CompletableFuture.supplyAsync(() -> store.claim(100));
    // PostgreSQL shows the claim waiting for the old owner's row lock
    dev.concord.testkit.Await.until(
        () ->
            new JdbcTemplate(dataSource)
                    .queryForObject("select count(*) from pg_stat_activity where wait_event_type = 'Lock'", Integer.class)
                > 0,
        "the claim waiting on the row lock");
    assertThat(claim).isNotDone();
    finish.countDown();
    assertThat(claim.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(2);
    oldOwner.join(10_000);
    assertThat(store.messages(200, 0, 0, 10)).extracting(GuildStore.MessageRow::content).containsExactly("in flight");
  }

  @Test
  void batch_isOneTransaction_aFailingRowLeavesNothing() {
    guildWithChannel();
    List<GuildStore.Commit> batch =
        List.of(
            commit(100, 1, new GuildStore.MessageRow(1, 200, 100, 1, "ok", "", Instant.now())),
            commit(100, 1, new GuildStore.MessageRow(2, 999, 100, 1, "unknown channel", "", Instant.now())));
    assertThatThrownBy(() -> store.commit(batch)).isInstanceOf(RuntimeException.class);
    assertThat(store.messages(200, 0, 0, 10)).isEmpty();
  }
}
