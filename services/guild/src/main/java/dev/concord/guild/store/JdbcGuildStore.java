package dev.concord.guild.store;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@link GuildStore} over plain Spring JDBC. The same SQL runs on PostgreSQL and on H2 in
 * PostgreSQL mode.
 *
 * <p>Concurrency: thread-safe (JdbcTemplate over a pooled DataSource); ordering between writes of
 * one guild comes from its single event loop.
 */
public final class JdbcGuildStore implements GuildStore {
  public static final int MAX_HISTORY_LIMIT = 100;

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;

  public JdbcGuildStore(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(dataSource);
    this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
  }

  /** Applies the migrations under {@code db/migration} (idempotent). */
  public static void migrate(DataSource dataSource) {
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
  }

  @Override
  public void insertUser(UserRow u) {
    jdbc.update("insert into users (id, username, global_name, bot) values (?, ?, ?, ?)", u.id(), u.username(), u.globalName(), u.bot());
  }

  @Override
  public Optional<UserRow> user(long userId) {
    return jdbc
        .query(
            "select id, username, global_name, bot from users where id = ?",
            (rs, i) -> new UserRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)),
            userId)
        .stream()
        .findFirst();
  }

  @Override
  public List<Long> guildIdsOf(long userId) {
    return jdbc.queryForList("select guild_id from members where user_id = ? order by guild_id", Long.class, userId);
  }

  @Override
  public void insertGuild(long id, String name, long ownerId) {
    jdbc.update("insert into guilds (id, name, owner_id) values (?, ?, ?)", id, name, ownerId);
  }

  @Override
  public void insertChannel(ChannelRow c) {
    jdbc.update(
        "insert into channels (id, guild_id, name, topic, type, position) values (?, ?, ?, ?, ?, ?)",
        c.id(), c.guildId(), c.name(), c.topic(), c.type(), c.position());
  }

  @Override
  public void insertRole(RoleRow r) {
    jdbc.update(
        "insert into roles (id, guild_id, name, permissions, position) values (?, ?, ?, ?, ?)",
        r.id(), r.guildId(), r.name(), r.permissions(), r.position());
  }

  @Override
  public void insertMember(long guildId, long userId, Instant joinedAt) {
    jdbc.update("insert into members (guild_id, user_id, joined_at) values (?, ?, ?)", guildId, userId, Timestamp.from(joinedAt));
  }

  @Override
  public void addMemberRole(long guildId, long userId, long roleId) {
    jdbc.update("insert into member_roles (guild_id, user_id, role_id) values (?, ?, ?)", guildId, userId, roleId);
  }

  @Override
  public void putOverwrite(OverwriteRow o) {
    tx.executeWithoutResult(
        s -> {
          jdbc.update(
              "delete from channel_overwrites where channel_id = ? and target_id = ? and target_type = ?",
              o.channelId(), o.targetId(), o.targetType());
          jdbc.update(
              "insert into channel_overwrites (channel_id, target_id, target_type, allow_bits, deny_bits) values (?, ?, ?, ?, ?)",
              o.channelId(), o.targetId(), o.targetType(), o.allow(), o.deny());
        });
  }

  @Override
  public void insertMessages(List<MessageRow> messages) {
    if (messages.isEmpty()) {
      return;
    }
    tx.executeWithoutResult(
        s ->
            jdbc.batchUpdate(
                "insert into messages (id, channel_id, guild_id, author_id, content, nonce, created_at) values (?, ?, ?, ?, ?, ?, ?)",
                messages,
                500,
                (ps, m) -> {
                  ps.setLong(1, m.id());
                  ps.setLong(2, m.channelId());
                  ps.setLong(3, m.guildId());
                  ps.setLong(4, m.authorId());
                  ps.setString(5, m.content());
                  ps.setString(6, m.nonce());
                  ps.setTimestamp(7, Timestamp.from(m.createdAt()));
                }));
  }

  @Override
  public Optional<GuildRow> loadGuild(long guildId) {
    List<Object[]> g =
        jdbc.query(
            "select name, owner_id, epoch from guilds where id = ?",
            (rs, i) -> new Object[] {rs.getString(1), rs.getLong(2), rs.getLong(3)},
            guildId);
    if (g.isEmpty()) {
      return Optional.empty();
    }
    List<ChannelRow> channels =
        jdbc.query(
            "select id, guild_id, name, topic, type, position from channels where guild_id = ? order by position, id",
            (rs, i) -> new ChannelRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getInt(5), rs.getInt(6)),
            guildId);
    List<RoleRow> roles =
        jdbc.query(
            "select id, guild_id, name, permissions, position from roles where guild_id = ? order by position, id",
            (rs, i) -> new RoleRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getInt(5)),
            guildId);
    Map<Long, List<Long>> rolesOf = new HashMap<>();
    jdbc.query(
        "select user_id, role_id from member_roles where guild_id = ? order by user_id, role_id",
        rs -> {
          rolesOf.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getLong(2));
        },
        guildId);
    List<MemberRow> members =
        jdbc.query(
            "select user_id, joined_at from members where guild_id = ? order by joined_at, user_id",
            (rs, i) ->
                new MemberRow(guildId, rs.getLong(1), rs.getTimestamp(2).toInstant(), List.copyOf(rolesOf.getOrDefault(rs.getLong(1), List.of()))),
            guildId);
    List<OverwriteRow> overwrites =
        jdbc.query(
            "select o.channel_id, o.target_id, o.target_type, o.allow_bits, o.deny_bits from channel_overwrites o"
                + " join channels c on c.id = o.channel_id where c.guild_id = ? order by o.channel_id, o.target_id",
            (rs, i) -> new OverwriteRow(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getLong(4), rs.getLong(5)),
            guildId);
    Object[] row = g.get(0);
    return Optional.of(new GuildRow(guildId, (String) row[0], (Long) row[1], (Long) row[2], channels, roles, members, overwrites));
  }

  @Override
  public List<MessageRow> messages(long channelId, long before, long after, int limit) {
    if (limit < 1 || limit > MAX_HISTORY_LIMIT) {
      throw new IllegalArgumentException("limit out of range: " + limit + " (expected: 1.." + MAX_HISTORY_LIMIT + ")");
    }
    StringBuilder sql =
        new StringBuilder("select id, channel_id, guild_id, author_id, content, nonce, created_at from messages where channel_id = ?");
    List<Object> args = new ArrayList<>(List.of(channelId));
    if (before != 0) {
      sql.append(" and id < ?");
      args.add(before);
    }
    if (after != 0) {
      sql.append(" and id > ?");
      args.add(after);
    }
    sql.append(" order by id desc limit ?");
    args.add(limit);
    return jdbc.query(
        sql.toString(),
        (rs, i) ->
            new MessageRow(
                rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getString(5), rs.getString(6), rs.getTimestamp(7).toInstant()),
        args.toArray());
  }
}
