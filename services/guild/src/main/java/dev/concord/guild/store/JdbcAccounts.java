package dev.concord.guild.store;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import javax.sql.DataSource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Accounts (table {@code accounts}, Flyway V8) over plain Spring JDBC, apart from the guild
 * store's journal: an account is not guild state, and every guild pod serves it from the shared
 * store. The same SQL runs on PostgreSQL and H2.
 *
 * <p>Concurrency: thread-safe; the token version is bumped by one atomic update.
 */
public final class JdbcAccounts {
  /** One account. */
  public record AccountRow(long userId, String login, String passwordHash, int tokenVersion) {}

  /** The login name is taken. */
  public static final class LoginTakenException extends RuntimeException {
    public LoginTakenException(String login) {
      super("login name taken: " + login);
    }
  }

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;

  public JdbcAccounts(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(dataSource);
    this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
  }

  /** The user and its account, in one transaction; {@link LoginTakenException} if the login is taken. */
  public void insert(GuildStore.UserRow user, String login, String passwordHash) {
    try {
      tx.executeWithoutResult(
          s -> {
            jdbc.update(
                "insert into users (id, username, global_name, bot) values (?, ?, ?, ?)", user.id(), user.username(), user.globalName(), user.bot());
            jdbc.update("insert into accounts (login, user_id, password_hash) values (?, ?, ?)", login, user.id(), passwordHash);
          });
    } catch (DuplicateKeyException e) {
      throw new LoginTakenException(login);
    }
  }

  public Optional<AccountRow> byLogin(String login) {
    return one("select user_id, login, password_hash, token_version from accounts where login = ?", login);
  }

  public Optional<AccountRow> byUser(long userId) {
    return one("select user_id, login, password_hash, token_version from accounts where user_id = ?", userId);
  }

  private Optional<AccountRow> one(String sql, Object key) {
    List<AccountRow> rows = jdbc.query(sql, (rs, i) -> new AccountRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4)), key);
    return rows.stream().findFirst();
  }

  /** A new password hash and the next token version, in one update; empty without an account. */
  public OptionalInt changePassword(long userId, String passwordHash) {
    return tx.execute(
        s -> {
          if (jdbc.update("update accounts set password_hash = ?, token_version = token_version + 1 where user_id = ?", passwordHash, userId) != 1) {
            return OptionalInt.empty();
          }
          return tokenVersion(userId);
        });
  }

  /** The user's token version; empty when the user has no account. */
  public OptionalInt tokenVersion(long userId) {
    List<Integer> v = jdbc.queryForList("select token_version from accounts where user_id = ?", Integer.class, userId);
    return v.isEmpty() ? OptionalInt.empty() : OptionalInt.of(v.getFirst());
  }

  /** Bumps the user's token version and answers the new one; empty when the user has no account. */
  public OptionalInt bumpTokenVersion(long userId) {
    return tx.execute(
        s -> {
          if (jdbc.update("update accounts set token_version = token_version + 1 where user_id = ?", userId) != 1) {
            return OptionalInt.empty();
          }
          return tokenVersion(userId);
        });
  }
}
