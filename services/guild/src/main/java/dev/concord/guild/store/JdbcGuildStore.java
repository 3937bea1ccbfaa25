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
  public boolean updateUser(UserRow u) {
    return jdbc.update("update users set username = ?, global_name = ? where id = ?", u.username(), u.globalName(), u.id()) == 1;
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
  public java.util.Map<Long, List<Long>> guildIdsOf(java.util.Collection<Long> userIds) {
    java.util.Map<Long, List<Long>> out = new java.util.HashMap<>();
    if (userIds.isEmpty()) {
      return out;
    }
    String marks = String.join(",", java.util.Collections.nCopies(userIds.size(), "?"));
    jdbc.query(
        "select user_id, guild_id from members where user_id in (" + marks + ") order by user_id, guild_id",
        rs -> {
          out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getLong(2));
        },
        userIds.toArray());
    return out;
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
    List<MessageEdit> edits = new ArrayList<>();
    List<MessageDelete> deletes = new ArrayList<>();
    // the last add/remove per (message, emoji, user) wins, as if applied one by one
    Map<List<Object>, ReactionWrite> reactions = new java.util.LinkedHashMap<>();
    List<GuildUpdate> guildUpdates = new ArrayList<>();
    List<ChannelUpdate> channelUpdates = new ArrayList<>();
    List<RoleUpdate> roleUpdates = new ArrayList<>();
    List<MemberUpdate> memberUpdates = new ArrayList<>();
    List<Removal> removals = new ArrayList<>();
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
          case MessageEdit e -> edits.add(e);
          case MessageDelete d -> deletes.add(d);
          case ReactionWrite r -> reactions.put(List.of(r.messageId(), r.emoji(), r.userId()), r);
          case GuildUpdate u -> guildUpdates.add(u);
          case ChannelUpdate u -> channelUpdates.add(u);
          case RoleUpdate u -> roleUpdates.add(u);
          case MemberUpdate u -> memberUpdates.add(u);
          case Removal r -> removals.add(r);
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
        "insert into messages (id, channel_id, guild_id, author_id, content, nonce, created_at, referenced_id, edited_at, embeds, mention_ids)"
            + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        messages,
        (ps, m) -> {
          ps.setLong(1, m.id());
          ps.setLong(2, m.channelId());
          ps.setLong(3, m.guildId());
          ps.setLong(4, m.authorId());
          ps.setString(5, m.content());
          ps.setString(6, m.nonce());
          ps.setTimestamp(7, Timestamp.from(m.createdAt()));
          if (m.referencedId() == 0) {
            ps.setNull(8, java.sql.Types.BIGINT);
          } else {
            ps.setLong(8, m.referencedId());
          }
          ps.setTimestamp(9, m.editedAt() == null ? null : Timestamp.from(m.editedAt()));
          ps.setString(10, m.embedsJson().isEmpty() ? null : m.embedsJson());
          ps.setString(11, m.mentionIds());
        });
    batch(
        "update messages set content = ?, edited_at = ?, embeds = ?, mention_ids = ? where id = ?",
        edits,
        (ps, e) -> {
          ps.setString(1, e.content());
          ps.setTimestamp(2, Timestamp.from(e.editedAt()));
          ps.setString(3, e.embedsJson().isEmpty() ? null : e.embedsJson());
          ps.setString(4, e.mentionIds());
          ps.setLong(5, e.id());
        });
    List<ReactionWrite> rs = new ArrayList<>(reactions.values());
    batch(
        "delete from message_reactions where message_id = ? and emoji = ? and user_id = ?",
        rs,
        (ps, r) -> {
          ps.setLong(1, r.messageId());
          ps.setString(2, r.emoji());
          ps.setLong(3, r.userId());
        });
    batch(
        "insert into message_reaction_removals (message_id, guild_id, channel_id, emoji, user_id, removed_at)"
            + " select id, guild_id, channel_id, ?, ?, ? from messages where id = ?",
        rs.stream().filter(r -> !r.add()).toList(),
        (ps, r) -> {
          ps.setString(1, r.emoji());
          ps.setLong(2, r.userId());
          ps.setTimestamp(3, Timestamp.from(r.at()));
          ps.setLong(4, r.messageId());
        });
    batch(
        "insert into message_reactions (message_id, emoji, user_id, created_at) values (?, ?, ?, ?)",
        rs.stream().filter(ReactionWrite::add).toList(),
        (ps, r) -> {
          ps.setLong(1, r.messageId());
          ps.setString(2, r.emoji());
          ps.setLong(3, r.userId());
          ps.setTimestamp(4, Timestamp.from(r.at()));
        });
    batch(
        "insert into message_deletions (message_id, guild_id, channel_id, deleted_at) select id, guild_id, channel_id, ? from messages where id = ?",
        deletes,
        (ps, d) -> {
          ps.setTimestamp(1, Timestamp.from(d.at()));
          ps.setLong(2, d.id());
        });
    batch("delete from message_reactions where message_id = ?", deletes, (ps, d) -> ps.setLong(1, d.id()));
    batch("delete from message_reaction_removals where message_id = ?", deletes, (ps, d) -> ps.setLong(1, d.id()));
    batch("delete from messages where id = ?", deletes, (ps, d) -> ps.setLong(1, d.id()));
    batch("update guilds set name = ? where id = ?", guildUpdates, (ps, u) -> {
      ps.setString(1, u.name());
      ps.setLong(2, u.id());
    });
    batch("update channels set name = ?, topic = ?, position = ? where id = ?", channelUpdates, (ps, u) -> {
      ps.setString(1, u.name());
      ps.setString(2, u.topic());
      ps.setInt(3, u.position());
      ps.setLong(4, u.id());
    });
    batch("update roles set name = ?, permissions = ?, position = ? where id = ?", roleUpdates, (ps, u) -> {
      ps.setString(1, u.name());
      ps.setLong(2, u.permissions());
      ps.setInt(3, u.position());
      ps.setLong(4, u.id());
    });
    batch("update members set nick = ? where guild_id = ? and user_id = ?", memberUpdates, (ps, u) -> {
      ps.setString(1, u.nick());
      ps.setLong(2, u.guildId());
      ps.setLong(3, u.userId());
    });
    remove(removals);
  }

  /** Removals in dependency order, each kind as one batch. */
  private void remove(List<Removal> removals) {
    if (removals.isEmpty()) {
      return;
    }
    List<MemberRoleDelete> memberRoles = new ArrayList<>();
    List<OverwriteDelete> overwrites = new ArrayList<>();
    List<MemberDelete> members = new ArrayList<>();
    List<RoleDelete> roles = new ArrayList<>();
    List<ChannelDelete> channels = new ArrayList<>();
    List<GuildDelete> guilds = new ArrayList<>();
    for (Removal r : removals) {
      switch (r) {
        case MemberRoleDelete x -> memberRoles.add(x);
        case OverwriteDelete x -> overwrites.add(x);
        case MemberDelete x -> members.add(x);
        case RoleDelete x -> roles.add(x);
        case ChannelDelete x -> channels.add(x);
        case GuildDelete x -> guilds.add(x);
      }
    }
    batch("delete from member_roles where guild_id = ? and user_id = ? and role_id = ?", memberRoles, (ps, x) -> {
      ps.setLong(1, x.guildId());
      ps.setLong(2, x.userId());
      ps.setLong(3, x.roleId());
    });
    batch("delete from channel_overwrites where channel_id = ? and target_id = ? and target_type = ?", overwrites, (ps, x) -> {
      ps.setLong(1, x.channelId());
      ps.setLong(2, x.targetId());
      ps.setInt(3, x.targetType());
    });
    batch("delete from member_roles where guild_id = ? and user_id = ?", members, (ps, x) -> {
      ps.setLong(1, x.guildId());
      ps.setLong(2, x.userId());
    });
    batch("delete from members where guild_id = ? and user_id = ?", members, (ps, x) -> {
      ps.setLong(1, x.guildId());
      ps.setLong(2, x.userId());
    });
    batch("delete from member_roles where role_id = ?", roles, (ps, x) -> ps.setLong(1, x.id()));
    batch(
        "delete from channel_overwrites where target_type = 0 and target_id = ? and channel_id in (select id from channels where guild_id = ?)",
        roles,
        (ps, x) -> {
          ps.setLong(1, x.id());
          ps.setLong(2, x.guildId());
        });
    batch("delete from roles where id = ?", roles, (ps, x) -> ps.setLong(1, x.id()));
    batch(
        "delete from message_reactions where message_id in (select id from messages where channel_id = ?)",
        channels,
        (ps, x) -> ps.setLong(1, x.id()));
    batch(
        "delete from message_reaction_removals where message_id in (select id from messages where channel_id = ?)",
        channels,
        (ps, x) -> ps.setLong(1, x.id()));
    batch("delete from messages where channel_id = ?", channels, (ps, x) -> ps.setLong(1, x.id()));
    batch("delete from channel_overwrites where channel_id = ?", channels, (ps, x) -> ps.setLong(1, x.id()));
    batch("delete from channels where id = ?", channels, (ps, x) -> ps.setLong(1, x.id()));
    for (String sql :
        List.of(
            "delete from message_reactions where message_id in (select id from messages where guild_id = ?)",
            "delete from messages where guild_id = ?",
            "delete from message_deletions where guild_id = ?",
            "delete from message_reaction_removals where guild_id = ?",
            "delete from channel_overwrites where channel_id in (select id from channels where guild_id = ?)",
            "delete from member_roles where guild_id = ?",
            "delete from members where guild_id = ?",
            "delete from roles where guild_id = ?",
            "delete from channels where guild_id = ?",
            "delete from guilds where id = ?")) {
      batch(sql, guilds, (ps, x) -> ps.setLong(1, x.id()));
    }
  }

  private static final String MESSAGE_COLUMNS =
      "id, channel_id, guild_id, author_id, content, nonce, created_at, referenced_id, edited_at, embeds, mention_ids";

  private static MessageRow messageRow(java.sql.ResultSet rs) throws java.sql.SQLException {
    Timestamp edited = rs.getTimestamp(9);
    return new MessageRow(
        rs.getLong(1),
        rs.getLong(2),
        rs.getLong(3),
        rs.getLong(4),
        rs.getString(5),
        rs.getString(6),
        rs.getTimestamp(7).toInstant(),
        rs.getLong(8),
        edited == null ? null : edited.toInstant(),
        rs.getString(10) == null ? "" : rs.getString(10),
        rs.getString(11));
  }

  @Override
  public Optional<MessageRow> message(long guildId, long messageId) {
    return jdbc.query("select " + MESSAGE_COLUMNS + " from messages where id = ? and guild_id = ?", (rs, i) -> messageRow(rs), messageId, guildId)
        .stream()
        .findFirst();
  }

  @Override
  public Map<Long, List<ReactionCount>> reactions(List<Long> messageIds, long userId) {
    Map<Long, List<ReactionCount>> out = new HashMap<>();
    if (messageIds.isEmpty()) {
      return out;
    }
    String in = String.join(",", java.util.Collections.nCopies(messageIds.size(), "?"));
    List<Object> args = new ArrayList<>();
    args.add(userId);
    args.addAll(messageIds);
    jdbc.query(
        "select message_id, emoji, count(*), sum(case when user_id = ? then 1 else 0 end), min(created_at) from message_reactions"
            + " where message_id in (" + in + ") group by message_id, emoji order by message_id, min(created_at), emoji",
        rs -> {
          out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new ReactionCount(rs.getString(2), rs.getInt(3), rs.getInt(4) > 0));
        },
        args.toArray());
    return out;
  }

  @Override
  public boolean hasReaction(long messageId, String emoji, long userId) {
    Integer n =
        jdbc.queryForObject(
            "select count(*) from message_reactions where message_id = ? and emoji = ? and user_id = ?", Integer.class, messageId, emoji, userId);
    return n != null && n > 0;
  }

  @Override
  public List<Long> reactors(long messageId, String emoji, long after, int limit) {
    return jdbc.queryForList(
        "select user_id from message_reactions where message_id = ? and emoji = ? and user_id > ? order by user_id limit ?",
        Long.class,
        messageId,
        emoji,
        after,
        limit);
  }

  @Override
  public Optional<Long> guildOfChannel(long channelId) {
    return jdbc.queryForList("select guild_id from channels where id = ?", Long.class, channelId).stream().findFirst();
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

  /** Ids per epoch query (one statement's parameters stay well within every driver's limit). */
  static final int MAX_EPOCH_IDS = 1000;

  @Override
  public Map<Long, Long> epochs(java.util.Collection<Long> guildIds) {
    Map<Long, Long> out = new java.util.HashMap<>();
    List<Long> ids = List.copyOf(guildIds);
    for (int from = 0; from < ids.size(); from += MAX_EPOCH_IDS) {
      List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + MAX_EPOCH_IDS));
      String marks = String.join(",", java.util.Collections.nCopies(chunk.size(), "?"));
      jdbc.query("select id, epoch from guilds where id in (" + marks + ")", rs -> {
        out.put(rs.getLong(1), rs.getLong(2));
      }, chunk.toArray());
    }
    return out;
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
            "select user_id, joined_at, nick from members where guild_id = ? order by joined_at, user_id",
            (rs, i) ->
                new MemberRow(
                    guildId,
                    rs.getLong(1),
                    rs.getTimestamp(2).toInstant(),
                    List.copyOf(rolesOf.getOrDefault(rs.getLong(1), List.of())),
                    rs.getString(3)),
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
        new StringBuilder("select " + MESSAGE_COLUMNS + " from messages where channel_id = ?");
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
    return jdbc.query(sql.toString(), (rs, i) -> messageRow(rs), args.toArray());
  }

  @Override
  public List<MessageRow> editedSince(long guildId, long upToId, Instant since, int limit) {
    return jdbc.query(
        "select " + MESSAGE_COLUMNS + " from messages where guild_id = ? and id <= ? and edited_at >= ? order by edited_at limit ?",
        (rs, i) -> messageRow(rs),
        guildId,
        upToId,
        Timestamp.from(since),
        limit);
  }

  @Override
  public List<Deletion> deletedSince(long guildId, Instant since, int limit) {
    return jdbc.query(
        "select message_id, channel_id from message_deletions where guild_id = ? and deleted_at >= ? order by deleted_at limit ?",
        (rs, i) -> new Deletion(rs.getLong(1), rs.getLong(2)),
        guildId,
        Timestamp.from(since),
        limit);
  }

  @Override
  public List<ReactionChange> reactionsSince(long guildId, Instant since, int limit) {
    Timestamp t = Timestamp.from(since);
    List<ReactionChange> out =
        new ArrayList<>(
            jdbc.query(
                "select r.message_id, m.channel_id, m.author_id, r.emoji, r.user_id, r.created_at from message_reactions r"
                    + " join messages m on m.id = r.message_id where r.created_at >= ? and m.guild_id = ? order by r.created_at limit ?",
                (rs, i) -> new ReactionChange(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getLong(5), true, rs.getTimestamp(6).toInstant()),
                t,
                guildId,
                limit));
    out.addAll(
        jdbc.query(
            "select message_id, channel_id, emoji, user_id, removed_at from message_reaction_removals"
                + " where guild_id = ? and removed_at >= ? order by removed_at limit ?",
            (rs, i) -> new ReactionChange(rs.getLong(1), rs.getLong(2), 0, rs.getString(3), rs.getLong(4), false, rs.getTimestamp(5).toInstant()),
            guildId,
            t,
            limit));
    // one timeline; on a tie a removal first (a re-add after it is what stands)
    out.sort(java.util.Comparator.comparing(ReactionChange::at).thenComparing(ReactionChange::add));
    return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
  }

  @Override
  public long maxMessageId(long guildId) {
    Long max = jdbc.queryForObject("select max(id) from messages where guild_id = ?", Long.class, guildId);
    return max == null ? 0 : max;
  }

  @Override
  public List<MessageRow> guildMessages(long guildId, long after, long upTo, int limit) {
    List<MessageRow> newestFirst = jdbc.query(
        "select " + MESSAGE_COLUMNS + " from messages where guild_id = ? and id > ? and id <= ? order by id desc limit ?",
        (rs, i) -> messageRow(rs),
        guildId,
        after,
        upTo,
        limit);
    return newestFirst.reversed();
  }
}
