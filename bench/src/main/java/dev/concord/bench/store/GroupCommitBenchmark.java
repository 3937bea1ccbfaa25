package dev.concord.bench.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.concord.guild.core.Fanout;
import dev.concord.guild.core.GuildHost;
import dev.concord.guild.core.GuildCommands;
import dev.concord.guild.core.MessageOps;
import dev.concord.guild.core.GuildJournal;
import dev.concord.guild.core.GuildState;
import dev.concord.guild.core.Ownership;
import dev.concord.guild.core.Payloads;
import dev.concord.guild.core.Users;
import dev.concord.guild.store.GuildStore;
import dev.concord.guild.store.JdbcGuildStore;
import dev.concord.protocol.SnowflakeGenerator;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Sustained message creates per second with durability on: group commit (one transaction for
 * everything queued, up to 1 000 loop steps) against one transaction per message, side by side in
 * one run, on a real PostgreSQL with {@code synchronous_commit} on (each commit waits for its WAL
 * flush).
 *
 * <p>Workload: one guild pod ({@link GuildHost} with its journal, in this JVM), 32 guilds with a
 * channel each, and {@code --in-flight} create calls outstanding at all times (spread over the
 * guilds), for {@code --seconds} per mode after a warm-up. A call counts once it is acknowledged,
 * i.e. durable. Prints creates/s, acknowledgement latency (median, p99), transactions and entries
 * per transaction, and the ratio.
 *
 * <p>Run: {@code make bench-store} (options: {@code --seconds 10 --in-flight 256}; the JDBC URL is
 * the one scripts/ensure-postgres.sh prints, or {@code --jdbc URL}).
 */
public final class GroupCommitBenchmark {
  private static final int GUILDS = 32;

  private record Result(String mode, double perSecond, double p50Ms, double p99Ms, long transactions, long entries) {}

  public static void main(String[] args) throws Exception {
    String jdbc = arg(args, "--jdbc", System.getenv("CONCORD_TEST_JDBC_URL"));
    if (jdbc == null || jdbc.isBlank()) {
      throw new IllegalArgumentException("no PostgreSQL: pass --jdbc URL or set CONCORD_TEST_JDBC_URL (make bench-store does)");
    }
    int seconds = Integer.parseInt(arg(args, "--seconds", "10"));
    int inFlight = Integer.parseInt(arg(args, "--in-flight", "256"));
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(jdbc);
    c.setMaximumPoolSize(8);
    try (HikariDataSource ds = new HikariDataSource(c)) {
      JdbcGuildStore.migrate(ds);
      JdbcTemplate sql = new JdbcTemplate(ds);
      String sync = sql.queryForObject("show synchronous_commit", String.class);
      String version = sql.queryForObject("select version()", String.class);
      Result group = run("group commit (<= 1000 steps per transaction)", ds, 1000, seconds, inFlight);
      Result single = run("one transaction per message", ds, 1, seconds, inFlight);
      System.out.printf(
          "%nMessage creates with durability on: %s, synchronous_commit=%s, %d cores, %d calls in flight over %d guilds, %d s per mode%n",
          version.split(",")[0], sync, Runtime.getRuntime().availableProcessors(), inFlight, GUILDS, seconds);
      System.out.printf("%-44s %12s %10s %10s %14s %12s%n", "mode", "creates/s", "p50 ms", "p99 ms", "transactions", "msgs/tx");
      for (Result r : List.of(group, single)) {
        System.out.printf(
            "%-44s %12.0f %10.2f %10.2f %14d %12.1f%n",
            r.mode(), r.perSecond(), r.p50Ms(), r.p99Ms(), r.transactions(), r.transactions() == 0 ? 0 : (double) r.entries() / r.transactions());
      }
      System.out.printf("group commit / one transaction per message: %.1fx the creates per second%n", group.perSecond() / single.perSecond());
    }
  }

  private static Result run(String mode, HikariDataSource ds, int maxBatch, int seconds, int inFlight) throws Exception {
    GuildStore store = new JdbcGuildStore(ds);
    ExecutorService loops = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    GuildJournal journal = new GuildJournal(store, 1 << 16, maxBatch);
    try {
      Users users = new Users(store, 10_000);
      GuildHost host =
          new GuildHost(
              store, journal, users, new Payloads(), SnowflakeGenerator.forNode(900 + maxBatch % 100), loops, Fanout.NONE, Ownership.ALL, 100_000, Clock.systemUTC());
      Users.User author = host.createUser("bench" + System.nanoTime() % 100_000, "", false);
      long[] guilds = new long[GUILDS];
      long[] channels = new long[GUILDS];
      for (int g = 0; g < GUILDS; g++) {
        GuildState state = host.createGuild("bench-" + g, author.id()).join();
        guilds[g] = state.id();
        channels[g] = new GuildCommands(host).createChannel(state.id(), "general", "").join().id();
      }
      // warm-up, then the measured phase
      drive(host, author.id(), guilds, channels, inFlight, 2, null);
      long tx0 = journal.commits();
      long entries0 = journal.committedEntries();
      List<Long> latencies = new ArrayList<>();
      long t0 = System.nanoTime();
      long done = drive(host, author.id(), guilds, channels, inFlight, seconds, latencies);
      double elapsed = (System.nanoTime() - t0) / 1e9;
      long[] sorted = latencies.stream().mapToLong(Long::longValue).toArray();
      Arrays.sort(sorted);
      return new Result(
          mode,
          done / elapsed,
          sorted[sorted.length / 2] / 1e6,
          sorted[(int) (sorted.length * 0.99)] / 1e6,
          journal.commits() - tx0,
          journal.committedEntries() - entries0);
    } finally {
      journal.close();
      loops.shutdownNow();
    }
  }

  /** Keeps {@code inFlight} creates outstanding for {@code seconds}; returns how many were acknowledged. */
  private static long drive(
      GuildHost host, long author, long[] guilds, long[] channels, int inFlight, int seconds, List<Long> latencies)
      throws InterruptedException {
    Semaphore window = new Semaphore(inFlight);
    AtomicLong acked = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Long> local = latencies == null ? null : java.util.Collections.synchronizedList(latencies);
    for (long i = 0; System.nanoTime() < end; i++) {
      if (!window.tryAcquire(1, TimeUnit.SECONDS)) {
        continue;
      }
      int g = (int) (i % guilds.length);
      long start = System.nanoTime();
      CompletableFuture<MessageOps.CreatedMessage> f;
      try {
        f = new GuildCommands(host).createMessage(guilds[g], channels[g], author, "message " + i, "");
      } catch (RuntimeException e) {
        failed.incrementAndGet();
        window.release();
        continue;
      }
      f.whenComplete(
          (m, e) -> {
            if (e == null) {
              acked.incrementAndGet();
              if (local != null) {
                local.add(System.nanoTime() - start);
              }
            } else {
              failed.incrementAndGet();
            }
            window.release();
          });
    }
    // let the calls in flight finish (bounded) so the next phase starts clean
    if (!window.tryAcquire(inFlight, 30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("calls still in flight after 30 s");
    }
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " creates failed");
    }
    return acked.get();
  }

  private static String arg(String[] args, String name, String dflt) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return dflt;
  }
}
