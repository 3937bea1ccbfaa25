package dev.concord.guild.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The real PostgreSQL of the tests: {@code CONCORD_TEST_JDBC_URL}, which {@code make test} and
 * {@code make check} provide (scripts/ensure-postgres.sh installs and starts PostgreSQL when it is
 * missing). Cleaned and migrated once per test JVM.
 */
public final class TestDatabase {
  private static DataSource dataSource;

  private TestDatabase() {}

  public static synchronized DataSource postgres() {
    if (dataSource == null) {
      String url = System.getenv("CONCORD_TEST_JDBC_URL");
      if (url == null || url.isBlank() || url.startsWith("${")) {
        throw new IllegalStateException(
            "CONCORD_TEST_JDBC_URL is not set: run the tests with `make test` (it provides PostgreSQL), "
                + "or point it at a PostgreSQL database you own");
      }
      DataSource ds = new DriverManagerDataSource(url);
      Flyway.configure().dataSource(ds).cleanDisabled(false).load().clean();
      JdbcGuildStore.migrate(ds);
      dataSource = ds;
    }
    return dataSource;
  }
}
