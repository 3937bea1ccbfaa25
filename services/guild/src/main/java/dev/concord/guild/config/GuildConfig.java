package dev.concord.guild.config;

import dev.concord.cluster.DirectCalls;
import java.util.Set;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import dev.concord.cluster.Channels;
import dev.concord.cluster.Forwarding;
import dev.concord.guild.core.Ownership;
import io.grpc.ServerInterceptor;
import org.springframework.grpc.server.GlobalServerInterceptor;
import dev.concord.cluster.LeaseKeeper;
import dev.concord.support.LeaseLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import dev.concord.cluster.RingWatcher;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.concord.guild.core.GuildHost;
import dev.concord.guild.core.GuildCommands;
import dev.concord.guild.core.GuildJournal;
import dev.concord.guild.store.GuildStore;
import dev.concord.guild.store.JdbcGuildStore;
import dev.concord.guild.core.GuildLoader;
import dev.concord.guild.core.JoinAdmission;
import dev.concord.guild.core.Payloads;
import dev.concord.guild.core.Users;
import dev.concord.fanout.RelayHub;
import dev.concord.fanout.RelayService;
import dev.concord.guild.core.Fanout;
import dev.concord.guild.core.GuildState;
import dev.concord.proto.common.v1.Role;
import dev.concord.protocol.SnowflakeGenerator;
import dev.concord.ring.RingSnapshot;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class GuildConfig {
  /**
   * gRPC handlers on the transport's event loop ({@link DirectCalls}): GuildRegistry and GuildRelay
   * hand their work to the guild loops and pools; GuildApi, Accounts and Invites may read the store
   * on the calling thread (a user cache miss, account rows), so they keep a thread per call.
   */
  @Bean
  <T extends io.grpc.ServerBuilder<T>> ServerBuilderCustomizer<T> directCalls() {
    return b -> DirectCalls.apply(b, Set.of("concord.guild.v1.GuildApi", "concord.guild.v1.Accounts", "concord.guild.v1.Invites"));
  }

  @Bean(destroyMethod = "shutdownNow")
  ExecutorService guildLoopPool(GuildProperties props) {
    int n = props.loopThreads() > 0 ? props.loopThreads() : Runtime.getRuntime().availableProcessors();
    return Executors.newFixedThreadPool(n, Thread.ofPlatform().name("guild-loop-", 0).daemon().factory());
  }

  /** Activations (loading guild state) run here; its size bounds concurrent activations. */
  @Bean(destroyMethod = "shutdownNow")
  ExecutorService guildActivationPool(GuildProperties props) {
    return Executors.newFixedThreadPool(
        props.maxConcurrentActivations(), Thread.ofPlatform().name("guild-activation-", 0).daemon().factory());
  }

  /** Store reads for callers (re-join catch-up, history): bounded, refused beyond its queue. */
  @Bean(destroyMethod = "shutdownNow")
  ExecutorService guildReadPool(GuildProperties props) {
    return new java.util.concurrent.ThreadPoolExecutor(
        4,
        4,
        0,
        java.util.concurrent.TimeUnit.MILLISECONDS,
        new java.util.concurrent.ArrayBlockingQueue<>(10_000),
        Thread.ofPlatform().name("guild-read-", 0).daemon().factory(),
        new java.util.concurrent.ThreadPoolExecutor.AbortPolicy());
  }

  /**
   * The store queries that find guilds claimed by another pod ({@code GuildHost#ringChanged}): one
   * at a time, one more waiting at most (an attempt beyond that fails and is retried later).
   */
  @Bean(destroyMethod = "shutdownNow")
  ExecutorService guildAuditPool() {
    return new java.util.concurrent.ThreadPoolExecutor(
        1,
        1,
        0,
        java.util.concurrent.TimeUnit.MILLISECONDS,
        new java.util.concurrent.ArrayBlockingQueue<>(1),
        Thread.ofPlatform().name("guild-epoch-audit").daemon().factory(),
        new java.util.concurrent.ThreadPoolExecutor.AbortPolicy());
  }

  @Bean(destroyMethod = "shutdownNow")
  ExecutorService relaySendPool() {
    return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("relay-send-", 0).factory());
  }

  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService guildScheduler() {
    return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("guild-sched").daemon().factory());
  }

  @Bean(destroyMethod = "close")
  Channels guildChannels() {
    return new Channels();
  }

  @Bean(destroyMethod = "close")
  RingWatcher guildRing(GuildProperties props, Channels channels, ScheduledExecutorService guildScheduler) {
    return new RingWatcher(Role.ROLE_GUILD, channels.forAddress(props.registryAddress()), guildScheduler).start();
  }

  @Bean(destroyMethod = "shutdown")
  RelayHub relayHub(GuildProperties props, ExecutorService relaySendPool, MeterRegistry meters, dev.concord.tracing.Tracing tracing) {
    RelayHub hub = new RelayHub(relaySendPool, props.relayQueueCapacity(), props.relayMaxBatch(), tracing);
    Gauge.builder("concord.guild.relay.pods", hub, RelayHub::connectedPods)
        .description("session pods with an open relay stream")
        .register(meters);
    Gauge.builder("concord.guild.relay.queued", hub, RelayHub::queuedEvents)
        .description("events waiting in relay queues")
        .register(meters);
    FunctionCounter.builder("concord.guild.relay.events", hub, RelayHub::relayedEvents)
        .description("relay events queued (one per event per session pod)")
        .register(meters);
    FunctionCounter.builder("concord.guild.relay.overflows", hub, RelayHub::overflows)
        .description("relay streams dropped because their queue overflowed")
        .register(meters);
    FunctionCounter.builder("concord.guild.relay.undeliverable", hub, RelayHub::undeliverableEvents)
        .description("events for a session pod without a relay stream")
        .register(meters);
    return hub;
  }

  /** Ownership by the watched guild ring. */
  static Ownership ringOwnership(RingWatcher ring, String podId) {
    return new Ownership() {
      @Override
      public boolean owns(long guildId) {
        RingSnapshot r = ring.ring().current();
        // A pod with no ring yet (registry not reached) cannot contradict itself: accept, as a lone pod.
        return r.isEmpty() || r.owner(guildId).id().equals(podId);
      }

      @Override
      public long ringVersion() {
        return ring.ring().current().version();
      }

      @Override
      public String ownerOf(long guildId) {
        RingSnapshot r = ring.ring().current();
        return r.isEmpty() ? "" : r.owner(guildId).id();
      }

      @Override
      public String addressOf(long guildId) {
        RingSnapshot r = ring.ring().current();
        return r.isEmpty() ? "" : r.owner(guildId).address();
      }
    };
  }

  @Bean
  @GlobalServerInterceptor
  ServerInterceptor forwardedMarker() {
    return Forwarding.serverInterceptor();
  }

  /** A caller's W3C traceparent (a gateway's REST request, a traced backend) parents its call's spans. */
  @Bean
  @GlobalServerInterceptor
  ServerInterceptor traceParent() {
    return dev.concord.tracing.GrpcTracing.serverInterceptor();
  }

  /**
   * The guild's events into the relay hub: one relay event per session pod, naming its recipients
   * only when an intent index narrows them (or for events to some sessions only).
   */
  public static Fanout relayFanout(RelayHub hub) {
    return new Fanout() {
      @Override
      public Runnable publish(GuildState state, String type, byte[] payload, long intents, long channelId, long messageId) {
        if (GuildState.narrowedByIntent(intents)) {
          return hub.prepare(state.id(), state.seq(), type, payload, intents, channelId, messageId, state.subscribersByPod(intents));
        }
        // every subscriber of each pod: the relay names no keys, the session pods know them
        return hub.prepareToAll(state.id(), state.seq(), type, payload, intents, channelId, messageId, null, state.subscribersByPod());
      }

      @Override
      public Runnable publishMessage(
          GuildState state, String type, byte[] payload, dev.concord.proto.guild.v1.ContentGate gate, long intents, long channelId, long messageId) {
        return hub.prepareToAll(state.id(), state.seq(), type, payload, intents, channelId, messageId, gate, state.subscribersByPod());
      }

      @Override
      public Runnable publishTo(
          GuildState state, java.util.Map<String, java.util.LinkedHashSet<Long>> byPod, String type, byte[] payload, long intents) {
        return hub.prepare(state.id(), state.seq(), type, payload, intents, 0, 0, byPod);
      }

      @Override
      public Runnable visibility(GuildState state, GuildState.Subscriber sub, long[] hidden) {
        return hub.prepareVisibility(state.id(), state.seq(), sub.podId(), sub.sessionKey(), hidden);
      }

      @Override
      public Runnable rejoin(GuildState state) {
        return hub.prepareToAll(state.id(), state.seq(), RelayHub.REJOIN, new byte[0], 0, 0, 0, null, state.subscribersByPod());
      }
    };
  }

  /**
   * The store's connection pool: {@code spring.datasource.url/username/password} (PostgreSQL in
   * production, e.g. SPRING_DATASOURCE_URL=jdbc:postgresql://db:5432/concord), by default an H2
   * database in memory in PostgreSQL mode (a local run). Migrated by Flyway at startup.
   */
  @Bean(destroyMethod = "close")
  HikariDataSource guildDataSource(Environment env, GuildProperties props) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(env.getProperty("spring.datasource.url", "jdbc:h2:mem:concord;MODE=PostgreSQL;DB_CLOSE_DELAY=-1"));
    c.setUsername(env.getProperty("spring.datasource.username", "sa"));
    c.setPassword(env.getProperty("spring.datasource.password", ""));
    c.setMaximumPoolSize(props.storePoolSize());
    c.setMinimumIdle(Math.min(2, props.storePoolSize()));
    c.setPoolName("guild-store-" + props.podId());
    c.setConnectionTimeout(5_000);
    HikariDataSource ds = new HikariDataSource(c);
    JdbcGuildStore.migrate(ds);
    return ds;
  }

  @Bean
  GuildStore guildStore(HikariDataSource guildDataSource) {
    return new JdbcGuildStore(guildDataSource);
  }

  @Bean
  dev.concord.guild.store.JdbcInvites guildInvites(HikariDataSource guildDataSource) {
    return new dev.concord.guild.store.JdbcInvites(guildDataSource);
  }

  @Bean
  dev.concord.guild.store.JdbcAccounts guildAccounts(HikariDataSource guildDataSource) {
    return new dev.concord.guild.store.JdbcAccounts(guildDataSource);
  }

  @Bean(destroyMethod = "close")
  GuildJournal guildJournal(GuildStore guildStore, GuildProperties props, MeterRegistry meters) {
    GuildJournal journal = new GuildJournal(guildStore, props.writeQueueCapacity(), props.groupCommitMaxBatch());
    Gauge.builder("concord.guild.journal.depth", journal, GuildJournal::depth)
        .description("loop steps waiting for their group commit")
        .register(meters);
    io.micrometer.core.instrument.FunctionTimer.builder(
            "concord.guild.journal.commits",
            journal,
            GuildJournal::commits,
            j -> (double) j.commitNanosTotal(),
            java.util.concurrent.TimeUnit.NANOSECONDS)
        .description("store transactions (group commits) and their total time")
        .register(meters);
    Timer commit =
        Timer.builder("concord.guild.journal.commit")
            .description("time of one group commit (one store transaction for many loop steps)")
            .publishPercentileHistogram()
            .register(meters);
    journal.withCommitTimer(nanos -> commit.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS));
    FunctionCounter.builder("concord.guild.journal.entries", journal, GuildJournal::committedEntries)
        .description("loop steps made durable")
        .register(meters);
    FunctionCounter.builder("concord.guild.journal.failed", journal, GuildJournal::failedEntries)
        .description("loop steps whose write failed or was fenced (the guild reloads)")
        .register(meters);
    return journal;
  }

  @Bean
  RelayService relayService(RelayHub relayHub) {
    return new RelayService(relayHub);
  }

  @Bean
  GuildHost guildHost(
      GuildProperties props,
      ExecutorService guildLoopPool,
      RelayHub relayHub,
      RingWatcher guildRing,
      ExecutorService guildActivationPool,
      ExecutorService guildAuditPool,
      GuildStore guildStore,
      GuildJournal guildJournal,
      ExecutorService guildReadPool,
      ScheduledExecutorService guildScheduler,
      MeterRegistry meters,
      dev.concord.tracing.Tracing tracing) {
    Users users = new Users(guildStore, props.userCacheSize());
    GuildHost host =
        new GuildHost(
            guildStore,
            guildJournal,
            users,
            new Payloads(),
            SnowflakeGenerator.forNode(props.node()),
            guildLoopPool,
            relayFanout(relayHub),
            ringOwnership(guildRing, props.podId()),
            props.mailboxCapacity(),
            Clock.systemUTC());
    JoinAdmission admission = new JoinAdmission(props.maxPendingJoins(), props.retryAfter().toMillis());
    host.withActivation(
        new GuildLoader.FromStore(guildStore, users, Long.parseLong(Payloads.EVERYONE_PERMISSIONS), props.activationDelay().toMillis()),
        guildActivationPool,
        admission);
    host.withReads(guildReadPool);
    host.withTracing(tracing);
    Timer loopWait =
        Timer.builder("concord.guild.loop.wait")
            .description("time an operation waited in its guild's mailbox before the loop ran it")
            .publishPercentileHistogram()
            .register(meters);
    Timer apply =
        Timer.builder("concord.guild.apply")
            .description("time the guild loop spent applying an operation (validation, state, rendering)")
            .publishPercentileHistogram()
            .register(meters);
    host.withTimings(
        new dev.concord.guild.core.GuildTimings() {
          @Override
          public void loopWait(long nanos) {
            loopWait.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
          }

          @Override
          public void apply(long nanos) {
            apply.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
          }
        });
    // Forget the guilds the ring moved away (a later hand-back reloads them from the store), and
    // those another pod claimed unseen (see OwnershipWatch for when).
    host.withEpochAudits(guildAuditPool);
    io.micrometer.core.instrument.Counter claimedElsewhere =
        io.micrometer.core.instrument.Counter.builder("concord.guild.claimed.elsewhere")
            .description("guilds found claimed by another pod while held here (a move and a move back this pod did not see), reloaded")
            .register(meters);
    guildScheduler.scheduleWithFixedDelay(
        new dev.concord.guild.core.OwnershipWatch(
            () -> guildRing.ring().current().version(), host::ringChanged, claimedElsewhere::increment, System::nanoTime),
        100,
        100,
        java.util.concurrent.TimeUnit.MILLISECONDS);
    Gauge.builder("concord.guild.join.pending", admission, JoinAdmission::pending)
        .description("calls waiting for a guild activation (bounded by max-pending-joins)")
        .register(meters);
    Gauge.builder("concord.guild.join.pending.peak", admission, JoinAdmission::peakPending)
        .description("highest number of calls that waited for activations at once")
        .register(meters);
    FunctionCounter.builder("concord.guild.join.rejected", admission, JoinAdmission::rejected)
        .description("calls refused with RESOURCE_EXHAUSTED because the activation queue was full")
        .register(meters);
    io.micrometer.core.instrument.FunctionTimer.builder(
            "concord.guild.activation",
            admission,
            JoinAdmission::activations,
            a -> (double) a.activationNanosTotal(),
            java.util.concurrent.TimeUnit.NANOSECONDS)
        .description("guild activations (loading state) and their total time")
        .register(meters);
    Gauge.builder("concord.guild.active", host, GuildHost::activeGuilds)
        .description("guilds active on this pod")
        .register(meters);
    Gauge.builder("concord.guild.pending", host, GuildHost::pendingTasks)
        .description("tasks queued on guild event loops")
        .register(meters);
    return host;
  }

  @Bean
  GuildsEndpoint guildsEndpoint(GuildHost guildHost) {
    return new GuildsEndpoint(new dev.concord.guild.core.GuildIntrospection(guildHost, java.time.Clock.systemUTC()));
  }

  /** The session pods' ring: whom to tell that a user joined a guild. */
  @Bean(destroyMethod = "close")
  RingWatcher guildSessionRing(GuildProperties props, Channels channels, ScheduledExecutorService guildScheduler) {
    return new RingWatcher(Role.ROLE_SESSION, channels.forAddress(props.registryAddress()), guildScheduler).start();
  }

  @Bean
  GuildCommands guildCommands(GuildHost guildHost, RingWatcher guildSessionRing, Channels channels) {
    GuildCommands commands = new GuildCommands(guildHost);
    commands.onMemberJoined(new dev.concord.guild.grpc.SessionNotifier(guildSessionRing, channels, java.time.Duration.ofSeconds(5)));
    return commands;
  }

  /** This pod's lease on the guild ring (joins after startup, says goodbye first on shutdown). */
  @Bean(destroyMethod = "close")
  LeaseKeeper guildLease(GuildProperties props, Channels channels, ScheduledExecutorService guildScheduler, Environment env) {
    String address =
        props.advertiseAddress().isEmpty()
            ? "127.0.0.1:" + env.getRequiredProperty("spring.grpc.server.port")
            : props.advertiseAddress();
    return new LeaseKeeper(Role.ROLE_GUILD, props.podId(), address, channels.forAddress(props.registryAddress()), guildScheduler);
  }

  @Bean
  SmartLifecycle guildLeaseLifecycle(LeaseKeeper guildLease) {
    return new LeaseLifecycle(guildLease);
  }
}
