package dev.concord.guild.store;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Guild invites (table {@code invites}, Flyway V9) over plain Spring JDBC, apart from the guild
 * journal: an invite is read by any pod, and its use count must hold across pods, so a use is one
 * conditional update (not expired, under the limit) rather than guild state.
 *
 * <p>Concurrency: thread-safe (JdbcTemplate over a pooled DataSource).
 */
public final class JdbcInvites {
  /** One invite. {@code expiresAt} null: never. */
  public record InviteRow(
      String code, long guildId, long channelId, long inviterId, int maxAge, int maxUses, int uses, Instant createdAt, @Nullable Instant expiresAt) {
    public boolean admits(Instant now) {
      return (expiresAt == null || now.isBefore(expiresAt)) && (maxUses == 0 || uses < maxUses);
    }
  }

  /** What an invite shows of its guild and channel (from the store). */
  public record Shown(String guildName, String channelName, int memberCount) {}

  private final JdbcTemplate jdbc;

  public JdbcInvites(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(dataSource);
  }

  public void insert(InviteRow r) {
    jdbc.update(
        "insert into invites (code, guild_id, channel_id, inviter_id, max_age, max_uses, uses, created_at, expires_at) values (?, ?, ?, ?, ?, ?, 0, ?, ?)",
        r.code(),
        r.guildId(),
        r.channelId(),
        r.inviterId(),
        r.maxAge(),
        r.maxUses(),
        Timestamp.from(r.createdAt()),
        r.expiresAt() == null ? null : Timestamp.from(r.expiresAt()));
  }

  public Optional<InviteRow> byCode(String code) {
    List<InviteRow> rows =
        jdbc.query(
            "select code, guild_id, channel_id, inviter_id, max_age, max_uses, uses, created_at, expires_at from invites where code = ?",
            (rs, i) -> {
              Timestamp exp = rs.getTimestamp(9);
              return new InviteRow(
                  rs.getString(1),
                  rs.getLong(2),
                  rs.getLong(3),
                  rs.getLong(4),
                  rs.getInt(5),
                  rs.getInt(6),
                  rs.getInt(7),
                  rs.getTimestamp(8).toInstant(),
                  exp == null ? null : exp.toInstant());
            },
            code);
    return rows.stream().findFirst();
  }

  /** Counts one use if the invite still admits someone at {@code now}; false if it does not (or is gone). */
  public boolean use(String code, Instant now) {
    return jdbc.update(
            "update invites set uses = uses + 1 where code = ? and (expires_at is null or expires_at > ?) and (max_uses = 0 or uses < max_uses)",
            code,
            Timestamp.from(now))
        == 1;
  }

  /** Gives back a use counted for a join that then failed. */
  public void unuse(String code) {
    jdbc.update("update invites set uses = uses - 1 where code = ? and uses > 0", code);
  }

  public boolean delete(String code) {
    return jdbc.update("delete from invites where code = ?", code) == 1;
  }

  /** The guild's name and member count and the channel's name; empty if the guild or channel is gone. */
  public Optional<Shown> shown(long guildId, long channelId) {
    List<String> guild = jdbc.queryForList("select name from guilds where id = ?", String.class, guildId);
    List<String> channel = jdbc.queryForList("select name from channels where id = ? and guild_id = ?", String.class, channelId, guildId);
    if (guild.isEmpty() || channel.isEmpty()) {
      return Optional.empty();
    }
    Integer members = jdbc.queryForObject("select count(*) from members where guild_id = ?", Integer.class, guildId);
    return Optional.of(new Shown(guild.getFirst(), channel.getFirst(), members == null ? 0 : members));
  }
}
