package dev.concord.bench.storm;

import dev.concord.guild.core.GuildHost;
import dev.concord.guild.core.GuildJournal;
import dev.concord.guild.store.GuildStore;
import dev.concord.guild.store.JdbcGuildStore;
import dev.concord.guild.core.GuildLoader;
import dev.concord.guild.core.GuildState;
import dev.concord.guild.core.JoinAdmission;
import dev.concord.guild.core.Ownership;
import dev.concord.guild.core.Payloads;
import dev.concord.guild.core.Users;
import dev.concord.guild.grpc.GuildRegistryGrpcService;
import dev.concord.proto.guild.v1.JoinRequest;
import dev.concord.protocol.SnowflakeGenerator;
import dev.concord.ring.RingMember;
import dev.concord.ring.RingSnapshot;
import dev.concord.session.guilds.JoinClient;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A reconnect storm against the guild registry, with the session-side join bulkhead on and off,
 * side by side.
 *
 * <p>Workload: 2 guild pods in this JVM (each a {@link GuildHost} behind a real gRPC server on
 * loopback, with its bounded activation admission; activating a guild reads it from the store, an
 * H2 database in memory that both pods share, plus a simulated 5 ms), 5 000 dormant guilds split
 * between them by a 2-member ring, 100 000 sessions that are each a member of 5 random guilds. At
 * one instant, all 100 000 sessions re-join their 5 guilds (500 000 joins) through the session's
 * real {@link JoinClient}. ON: a Resilience4j semaphore bulkhead per guild pod (zero wait, 32
 * calls), joins waiting in a lane per pod and leaving in JoinBatch calls of up to 64, deadline and
 * retries with full jitter. OFF: every join its own call, sent at once, with the same deadline
 * and retries.
 *
 * <p>Printed per run: time until every join completed, joins that failed for good, peak number of
 * calls waiting on the guild pods (admission depth), peak heap, guild-side rejections, client
 * timeouts, retries and bulkhead rejections. Each run is a fresh JVM, so heap figures do not mix.
 *
 * <p>A run that has not completed every join after {@code --limit-seconds} (default 180) is
 * stopped and reported as such, with what it had done by then.
 *
 * <p>Run: {@code make bench-storm} (options: {@code --sessions 100000 --guilds 5000 --limit-seconds 180}).
 */
public final class JoinStorm {
  private JoinStorm() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(args);
      return;
    }
    String sessions = arg(args, "--sessions", "100000");
    String guilds = arg(args, "--guilds", "5000");
    String limit = arg(args, "--limit-seconds", "180");
    List<String> on = runChild(true, sessions, guilds, limit);
    List<String> off = runChild(false, sessions, guilds, limit);
    System.out.printf(
        "%nJoin storm: %s sessions x 5 guilds re-join at once; 2 guild pods, %s guilds, activation = store load (H2) + 5 ms/guild, real gRPC over loopback, %d cores%n",
        sessions, guilds, Runtime.getRuntime().availableProcessors());
    String[] names = {
      "time until every join completed (s)",
      "joins completed (by the end of the run)",
      "joins failed for good",
      "peak calls waiting on guild pods",
      "live heap MiB: before -> peak -> after storm",
      "guild-side rejections (RESOURCE_EXHAUSTED)",
      "client timeouts (DEADLINE_EXCEEDED)",
      "retries",
      "bulkhead refusals (lane waits; OFF: none)",
      "join calls sent to guild pods"
    };
    System.out.printf("%-46s %18s %18s%n", "", "bulkhead ON", "bulkhead OFF");
    for (int i = 0; i < names.length; i++) {
      System.out.printf("%-46s %18s %18s%n", names[i], on.get(i), off.get(i));
    }
  }

  private static List<String> runChild(boolean bulkhead, String sessions, String guilds, String limit) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx4g",
                "-XX:+UseG1GC",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                JoinStorm.class.getName(),
                "--child",
                Boolean.toString(bulkhead),
                sessions,
                guilds,
                limit));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    List<String> result = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("RESULT ")) {
          result = List.of(line.substring(7).split("\t"));
        } else {
          System.out.println("  [" + (bulkhead ? "on" : "off") + "] " + line);
        }
      }
    }
    if (!p.waitFor(20, TimeUnit.MINUTES) || result == null) {
      p.destroyForcibly();
      throw new IllegalStateException("storm run (bulkhead " + bulkhead + ") produced no result");
    }
    return result;
  }

  private record Pod(String id, GuildHost host, Server server, ManagedChannel channel, ExecutorService loops, ExecutorService activations) {}

  private static void child(String[] args) throws Exception {
    boolean bulkhead = Boolean.parseBoolean(args[1]);
    int sessions = Integer.parseInt(args[2]);
    int guildCount = Integer.parseInt(args[3]);
    int limitSeconds = Integer.parseInt(args[4]);
    int perSession = 5;

    RingSnapshot ring = RingSnapshot.of(1, 512, List.of(new RingMember("guild-0", "a"), new RingMember("guild-1", "b")));
    List<Pod> pods = new ArrayList<>();
    // The store both guild pods share, as they would share PostgreSQL: an H2 database in memory
    // (PostgreSQL mode, the same migrations), so activation really reads its state.
    com.zaxxer.hikari.HikariConfig db = new com.zaxxer.hikari.HikariConfig();
    db.setJdbcUrl("jdbc:h2:mem:storm;MODE=PostgreSQL;DB_CLOSE_DELAY=-1");
    db.setMaximumPoolSize(140);
    com.zaxxer.hikari.HikariDataSource dataSource = new com.zaxxer.hikari.HikariDataSource(db);
    JdbcGuildStore.migrate(dataSource);
    GuildStore store = new JdbcGuildStore(dataSource);
    for (int p = 0; p < 2; p++) {
      String id = "guild-" + p;
      ExecutorService loops = Executors.newFixedThreadPool(2);
      ExecutorService activations = Executors.newFixedThreadPool(64);
      Ownership own =
          new Ownership() {
            @Override
            public boolean owns(long guildId) {
              return ring.owner(guildId).id().equals(id);
            }

            @Override
            public long ringVersion() {
              return 1;
            }

            @Override
            public String ownerOf(long guildId) {
              return ring.owner(guildId).id();
            }

            @Override
            public String addressOf(long guildId) {
              return "";
            }
          };
      GuildJournal journal = new GuildJournal(store, 1 << 20, 1000);
      Users users = new Users(store, 1 << 20);
      GuildHost host =
          new GuildHost(store, journal, users, new Payloads(), SnowflakeGenerator.forNode(10 + p), loops, dev.concord.guild.core.Fanout.NONE, own, 1_000_000, Clock.systemUTC())
              .withActivation(
                  new GuildLoader.FromStore(store, users, Long.parseLong(Payloads.EVERYONE_PERMISSIONS), 5),
                  activations,
                  new JoinAdmission(10_000, 1000));
      Server server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(new GuildRegistryGrpcService(new dev.concord.guild.core.GuildCommands(host), dev.concord.tracing.Tracing.off()))
              .build()
              .start();
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
      pods.add(new Pod(id, host, server, channel, loops, activations));
    }

    // Seed: users in the shared store; guilds split by the ring; 5 memberships per user.
    SplittableRandom rnd = new SplittableRandom(42);
    long[] userIds = new long[sessions];
    for (int u = 0; u < sessions; u++) {
      userIds[u] = 1_000_000L + u;
      pods.getFirst().host().users().create(userIds[u], "u" + u, "", false);
    }
    long owner = userIds[0];
    long[] guildIds = new long[guildCount];
    int[] podOf = new int[guildCount];
    for (int g = 0; g < guildCount; g++) {
      int p = g % 2;
      GuildState state = pods.get(p).host().createGuild("g" + g, owner).join();
      guildIds[g] = state.id();
      podOf[g] = p;
    }
    int[][] membership = new int[sessions][perSession];
    List<CompletableFuture<?>> seeding = new ArrayList<>();
    for (int u = 0; u < sessions; u++) {
      for (int k = 0; k < perSession; k++) {
        int g;
        boolean dup;
        do {
          g = rnd.nextInt(guildCount);
          dup = false;
          for (int j = 0; j < k; j++) {
            dup |= membership[u][j] == g;
          }
        } while (dup);
        membership[u][k] = g;
        if (userIds[u] != owner) {
          seeding.add(new dev.concord.guild.core.GuildCommands(pods.get(podOf[g]).host()).addMember(guildIds[g], userIds[u]).exceptionally(e -> null));
        }
      }
      if (seeding.size() > 50_000) {
        CompletableFuture.allOf(seeding.toArray(CompletableFuture[]::new)).join();
        seeding.clear();
      }
    }
    CompletableFuture.allOf(seeding.toArray(CompletableFuture[]::new)).join();
    pods.forEach(p -> p.host().passivateAll());
    System.gc();

    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    JoinClient client =
        new JoinClient(
            // the defaults of concord-session.yaml: 32 calls per pod, 64 joins per call
            new JoinClient.Settings(bulkhead, 32, Duration.ofSeconds(5), 50, Duration.ofMillis(50), Duration.ofSeconds(5), 64, 1_000_000),
            scheduler,
            b -> {});
    // Live heap = what the last GC left (garbage not counted), sampled every 20 ms.
    long liveBefore = liveHeap();
    AtomicLong peakHeap = new AtomicLong(liveBefore);
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(() -> peakHeap.accumulateAndGet(liveHeap(), Math::max), 0, 20, TimeUnit.MILLISECONDS);
    pods.forEach(p -> p.host().admission().resetPeak());

    LongAdder done = new LongAdder();
    LongAdder failed = new LongAdder();
    List<CompletableFuture<?>> joins = new ArrayList<>(sessions * perSession);
    long t0 = System.nanoTime();
    for (int u = 0; u < sessions; u++) {
      for (int k = 0; k < perSession; k++) {
        int g = membership[u][k];
        Pod pod = pods.get(podOf[g]);
        JoinRequest req =
            JoinRequest.newBuilder()
                .setGuildId(guildIds[g])
                .setSessionId("s" + u)
                .setSessionKey(u + 1)
                .setUserId(userIds[u])
                .setSessionPodId("session-0")
                .setLargeThreshold(50)
                .build();
        // keep only completion, not the GUILD_CREATE payloads (a session forwards and drops them)
        joins.add(
            client
                .join(pod.id(), pod.channel(), req)
                .handle(
                    (r, e) -> {
                      (e == null ? done : failed).increment();
                      return null;
                    }));
      }
    }
    String time;
    try {
      CompletableFuture.allOf(joins.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(limitSeconds, TimeUnit.SECONDS);
      time = String.format("%.2f", (System.nanoTime() - t0) / 1e9);
    } catch (java.util.concurrent.TimeoutException e) {
      time = "not done in " + limitSeconds;
    }
    sampler.shutdownNow();
    // What stays once the storm is over: the state the joins created (subscriptions), without the
    // benchmark's own bookkeeping of the joins.
    joins.clear();
    System.gc();
    long liveAfter = liveHeap();
    // the sampler reads what each collection left; the state after the storm is part of the peak
    peakHeap.accumulateAndGet(liveAfter, Math::max);
    int peakPending = pods.stream().mapToInt(p -> p.host().admission().peakPending()).sum();
    long guildRejected = pods.stream().mapToLong(p -> p.host().admission().rejected()).sum();
    System.out.println(
        "RESULT "
            + time
            + "\t"
            + done.sum()
            + "\t"
            + failed.sum()
            + "\t"
            + peakPending + " (bound 2 x 10000)"
            + "\t"
            + liveBefore / (1024 * 1024) + " -> " + peakHeap.get() / (1024 * 1024) + " -> " + liveAfter / (1024 * 1024)
            + "\t"
            + guildRejected
            + "\t"
            + client.timeouts()
            + "\t"
            + client.retries()
            + "\t"
            + client.bulkheadRejections()
            + "\t"
            + client.calls());
    System.exit(0);
  }

  /** Heap in use right after the most recent collection, over all heap pools. */
  private static long liveHeap() {
    long sum = 0;
    for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
        sum += pool.getCollectionUsage().getUsed();
      }
    }
    return sum;
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
