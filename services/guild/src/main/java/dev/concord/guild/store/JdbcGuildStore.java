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
import org.springframework.jdbc.core.ParameterizedPreparedStatementSetter;
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
  public List<UserRow> membersAsUsers(long guildId) {
    return jdbc.query(
        "select u.id, u.username, u.global_name, u.bot from members m join users u on u.id = m.user_id where m.guild_id = ?",
        (rs, i) -> new UserRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)),
        guildId);
  }

  @Override
  public List<Long> guildIdsOf(long userId) {
    return jdbc.queryForList("select guild_id from members where user_id = ? order by guild_id", Long.class, userId);
  }

  @Override
  public void commit(List<Commit> batch) {
    if (batch.isEmpty()) {
      return;
    }
    tx.executeWithoutResult(s -> apply(batch));
  }

  private void apply(List<Commit> batch) {
    List<NewGuild> guilds = new ArrayList<>();
    List<ChannelRow> channels = new ArrayList<>();
    List<RoleRow> roles = new ArrayList<>();
    List<MemberRow> members = new ArrayList<>();
    List<MemberRoleRow> memberRoles = new ArrayList<>();
    // the last overwrite per (channel, target, type) wins, as if applied one by one
    Map<List<Long>, OverwriteRow> overwrites = new java.util.LinkedHashMap<>();
    List<MessageRow> messages = new ArrayList<>();
    Map<Long, Long> epochs = new java.util.LinkedHashMap<>();
    for (Commit c : batch) {
      epochs.putIfAbsent(c.guildId(), c.epoch());
      for (Write w : c.writes()) {
        switch (w) {
          case NewGuild g -> guilds.add(g);
          case ChannelRow ch -> channels.add(ch);
          case RoleRow r -> roles.add(r);
          case MemberRow m -> members.add(m);
          case MemberRoleRow mr -> memberRoles.add(mr);
          case OverwriteRow o -> overwrites.put(List.of(o.channelId(), o.targetId(), (long) o.targetType()), o);
          case MessageRow m -> messages.add(m);
        }
      }
    }
    batch(
        "insert into guilds (id, name, owner_id, epoch) values (?, ?, ?, ?)",
        guilds,
        (ps, g) -> {
          ps.setLong(1, g.id());
          ps.setString(2, g.name());
          ps.setLong(3, g.ownerId());
          ps.setLong(4, g.epoch());
        });
    // Fencing: the epoch must still be ours; the update also locks the row until commit, so a new
    // owner's claim waits for this transaction and then sees everything it wrote.
    for (Map.Entry<Long, Long> e : epochs.entrySet()) {
      if (jdbc.update("update guilds set epoch = epoch where id = ? and epoch = ?", e.getKey(), e.getValue()) != 1) {
        throw new FencedException(e.getKey(), e.getValue());
      }
    }
    batch(
        "insert into channels (id, guild_id, name, topic, type, position) values (?, ?, ?, ?, ?, ?)",
        channels,
        (ps, c) -> {
          ps.setLong(1, c.id());
          ps.setLong(2, c.guildId());
          ps.setString(3, c.name());
          ps.setString(4, c.topic());
          ps.setInt(5, c.type());
          ps.setInt(6, c.position());
        });
    batch(
        "insert into roles (id, guild_id, name, permissions, position) values (?, ?, ?, ?, ?)",
        roles,
        (ps, r) -> {
          ps.setLong(1, r.id());
          ps.setLong(2, r.guildId());
          ps.setString(3, r.name());
          ps.setLong(4, r.permissions());
          ps.setInt(5, r.position());
        });
    batch(
        "insert into members (guild_id, user_id, joined_at) values (?, ?, ?)",
        members,
        (ps, m) -> {
          ps.setLong(1, m.guildId());
          ps.setLong(2, m.userId());
          ps.setTimestamp(3, Timestamp.from(m.joinedAt()));
        });
    batch(
        "insert into member_roles (guild_id, user_id, role_id) values (?, ?, ?)",
        memberRoles,
        (ps, m) -> {
          ps.setLong(1, m.guildId());
          ps.setLong(2, m.userId());
          ps.setLong(3, m.roleId());
        });
    List<OverwriteRow> ows = new ArrayList<>(overwrites.values());
    batch(
        "delete from channel_overwrites where channel_id = ? and target_id = ? and target_type = ?",
        ows,
        (ps, o) -> {
          ps.setLong(1, o.channelId());
          ps.setLong(2, o.targetId());
          ps.setInt(3, o.targetType());
        });
    batch(
        "insert into channel_overwrites (channel_id, target_id, target_type, allow_bits, deny_bits) values (?, ?, ?, ?, ?)",
        ows,
        (ps, o) -> {
          ps.setLong(1, o.channelId());
          ps.setLong(2, o.targetId());
          ps.setInt(3, o.targetType());
          ps.setLong(4, o.allow());
          ps.setLong(5, o.deny());
        });
    batch(
        "insert into messages (id, channel_id, guild_id, author_id, content, nonce, created_at) values (?, ?, ?, ?, ?, ?, ?)",
        messages,
        (ps, m) -> {
          ps.setLong(1, m.id());
          ps.setLong(2, m.channelId());
          ps.setLong(3, m.guildId());
          ps.setLong(4, m.authorId());
          ps.setString(5, m.content());
          ps.setString(6, m.nonce());
          ps.setTimestamp(7, Timestamp.from(m.createdAt()));
        });
  }

  private <T> void batch(String sql, List<T> rows, ParameterizedPreparedStatementSetter<T> setter) {
    if (!rows.isEmpty()) {
      jdbc.batchUpdate(sql, rows, 1000, setter);
    }
  }

  @Override
  public long claim(long guildId) {
    Long epoch =
        tx.execute(
            s -> {
              if (jdbc.update("update guilds set epoch = epoch + 1 where id = ?", guildId) != 1) {
                return -1L;
              }
              return jdbc.queryForObject("select epoch from guilds where id = ?", Long.class, guildId);
            });
    return epoch == null ? -1 : epoch;
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

  @Override
  public long maxMessageId(long guildId) {
    Long max = jdbc.queryForObject("select max(id) from messages where guild_id = ?", Long.class, guildId);
    return max == null ? 0 : max;
  }

  @Override
  public List<MessageRow> guildMessages(long guildId, long after, long upTo, int limit) {
    List<MessageRow> newestFirst = jdbc.query(
        "select id, channel_id, guild_id, author_id, content, nonce, created_at from messages"
            + " where guild_id = ? and id > ? and id <= ? order by id desc limit ?",
        (rs, i) ->
            new MessageRow(
                rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getString(5), rs.getString(6), rs.getTimestamp(7).toInstant()),
        guildId,
        after,
        upTo,
        limit);
    return newestFirst.reversed();
  }
}
