package dev.concord.session.config;

import dev.concord.cluster.DirectCalls;
import java.util.Set;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import dev.concord.cluster.Channels;
import dev.concord.cluster.LeaseKeeper;
import dev.concord.support.LeaseLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import dev.concord.cluster.RingWatcher;
import dev.concord.proto.common.v1.Role;
import dev.concord.session.core.SessionManager;
import dev.concord.fanout.RelayWorkers;
import dev.concord.session.guilds.GuildLinks;
import dev.concord.session.guilds.JoinClient;
import dev.concord.session.presence.PresenceLink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class SessionConfig {
  /**
   * gRPC handlers on the transport's event loop ({@link DirectCalls}): the session link hands every
   * message to the bounded relay workers.
   */
  @Bean
  <T extends io.grpc.ServerBuilder<T>> ServerBuilderCustomizer<T> directCalls() {
    return b -> DirectCalls.apply(b, Set.of());
  }

  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService sessionScheduler() {
    return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("session-sched").daemon().factory());
  }

  @Bean(destroyMethod = "shutdownNow")
  ExecutorService linkSendPool() {
    return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("link-send-", 0).factory());
  }

  @Bean(destroyMethod = "close")
  Channels sessionChannels() {
    return new Channels();
  }

  @Bean(destroyMethod = "close")
  RingWatcher sessionGuildRing(SessionProperties props, Channels channels, ScheduledExecutorService sessionScheduler) {
    return new RingWatcher(Role.ROLE_GUILD, channels.forAddress(props.registryAddress()), sessionScheduler).start();
  }

  @Bean(destroyMethod = "close")
  RingWatcher sessionPresenceRing(SessionProperties props, Channels channels, ScheduledExecutorService sessionScheduler) {
    return new RingWatcher(Role.ROLE_PRESENCE, channels.forAddress(props.registryAddress()), sessionScheduler).start();
  }

  @Bean(destroyMethod = "close")
  RelayWorkers sessionWorkers(SessionProperties props) {
    int n = props.workers() > 0 ? props.workers() : Runtime.getRuntime().availableProcessors();
    return new RelayWorkers("session-worker-", n, props.workerQueueCapacity());
  }

  @Bean
  JoinClient joinClient(
      SessionProperties props, ScheduledExecutorService sessionScheduler, MeterRegistry meters, dev.concord.tracing.Tracing tracing) {
    SessionProperties.JoinBulkhead b = props.joinBulkhead();
    JoinClient client =
        new JoinClient(
            new JoinClient.Settings(
                b.enabled(),
                b.maxConcurrentPerPod(),
                props.joinTimeout(),
                b.maxAttempts(),
                b.backoffBase(),
                b.backoffCap(),
                b.batchSize(),
                b.maxQueuedPerPod()),
            sessionScheduler,
            bulkhead ->
                Gauge.builder("concord.session.join.bulkhead.available", bulkhead, x -> x.getMetrics().getAvailableConcurrentCalls())
                    .tag("bulkhead", bulkhead.getName())
                    .description("free permits of the join bulkhead of one guild pod")
                    .register(meters));
    client.withTracing(tracing);
    Gauge.builder("concord.session.join.waiting", client, JoinClient::waiting)
        .description("joins waiting in the per-guild-pod lanes for a bulkhead permit or their backoff")
        .register(meters);
    FunctionCounter.builder("concord.session.join.batches", client, JoinClient::batchCalls)
        .description("JoinBatch calls sent")
        .register(meters);
    FunctionCounter.builder("concord.session.join.bulkhead.rejected", client, JoinClient::bulkheadRejections)
        .description("joins refused by the bulkhead (retried later)")
        .register(meters);
    FunctionCounter.builder("concord.session.join.calls", client, JoinClient::calls).register(meters);
    FunctionCounter.builder("concord.session.join.retries", client, JoinClient::retries).register(meters);
    FunctionCounter.builder("concord.session.join.guild.rejected", client, JoinClient::guildRejections)
        .description("joins refused by guild pods (RESOURCE_EXHAUSTED)")
        .register(meters);
    FunctionCounter.builder("concord.session.join.timeouts", client, JoinClient::timeouts).register(meters);
    FunctionCounter.builder("concord.session.join.failures", client, JoinClient::failures)
        .description("joins given up (the guild stays unavailable to the session)")
        .register(meters);
    return client;
  }

  @Bean(destroyMethod = "close")
  GuildLinks guildLinks(
      SessionProperties props,
      RingWatcher sessionGuildRing,
      Channels channels,
      ScheduledExecutorService sessionScheduler,
      JoinClient joinClient) {
    return new GuildLinks(
        props.podId(), sessionGuildRing, channels, sessionScheduler, props.joinTimeout(), props.relayAttachTimeout(), joinClient);
  }

  @Bean(destroyMethod = "close")
  PresenceLink presenceLink(
      SessionProperties props,
      RingWatcher sessionPresenceRing,
      Channels channels,
      ScheduledExecutorService sessionScheduler,
      MeterRegistry meters) {
    PresenceLink link =
        new PresenceLink(
            sessionPresenceRing,
            channels,
            props.presenceTimeout(),
            Counter.builder("concord.session.presence.failures")
                .description("presence calls that failed (retried from the latest presence)")
                .register(meters),
            sessionScheduler,
            Duration.ofMillis(500),
            10_000);
    Gauge.builder("concord.session.presence.tracked", link, PresenceLink::sessions)
        .description("sessions whose latest presence this pod holds for re-announcing")
        .register(meters);
    FunctionCounter.builder("concord.session.presence.reannounced", link, PresenceLink::reannounced)
        .description("presence updates sent again after a presence pod restarted")
        .register(meters);
    return link;
  }

  @Bean
  SessionsEndpoint sessionsEndpoint(SessionManager sessionManager, RelayWorkers sessionWorkers, JoinClient joinClient) {
    return new SessionsEndpoint(sessionManager, sessionWorkers, joinClient);
  }

  @Bean
  SessionManager sessionManager(
      SessionProperties props,
      RelayWorkers workers,
      GuildLinks guildLinks,
      PresenceLink presenceLink,
      ScheduledExecutorService sessionScheduler,
      MeterRegistry meters,
      dev.concord.tracing.Tracing tracing) {
    PresenceLink presence = presenceLink;
    SessionManager manager =
        new SessionManager(
            props.podId(),
            workers,
            guildLinks,
            presence,
            props.maxHeldPerGuild(),
            new SessionManager.ResumePolicy(props.resumeWindow(), props.replayMaxEvents(), props.replayMaxBytes()),
            props.passive().policy(),
            sessionScheduler);
    manager.withTracing(tracing);
    manager.admission().maxSessionsPerUser(props.maxSessionsPerUser()).identifyBuckets(props.maxConcurrency(), props.identifyConcurrencyWindow());
    io.micrometer.core.instrument.Timer pass =
        io.micrometer.core.instrument.Timer.builder("concord.session.relay.pass")
            .description("time a session worker takes to deliver one relay event to its share of the recipients")
            .publishPercentileHistogram()
            .register(meters);
    manager.withRelayPassTimer(nanos -> pass.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS));
    guildLinks.bind(manager);
    guildLinks.watchRing(java.time.Duration.ofMillis(100));
    Gauge.builder("concord.session.sessions", manager, SessionManager::sessionCount)
        .description("live sessions on this pod")
        .register(meters);
    Gauge.builder("concord.session.workers.queued", workers, RelayWorkers::queued)
        .description("tasks queued on session workers")
        .register(meters);
    Gauge.builder("concord.session.relays", guildLinks, GuildLinks::openRelays)
        .description("attached relay streams from guild pods")
        .register(meters);
    FunctionCounter.builder("concord.session.frames", manager, SessionManager::deliveredFrames)
        .description("dispatch frames handed to gateway links")
        .register(meters);
    FunctionCounter.builder("concord.session.detached", manager, SessionManager::detachedSessions)
        .description("sessions that lost their socket and became resumable")
        .register(meters);
    FunctionCounter.builder("concord.session.resumed", manager, SessionManager::resumedSessions).register(meters);
    FunctionCounter.builder("concord.session.identify.refused", manager.admission(), a -> a.tooManySessions())
        .tag("reason", "too_many_sessions")
        .description("IDENTIFYs refused: 4008 as the user held its maximum of sessions, or INVALID_SESSION as a bot's bucket started one too recently")
        .register(meters);
    FunctionCounter.builder("concord.session.identify.refused", manager.admission(), a -> a.tooSoon())
        .tag("reason", "too_soon")
        .description("IDENTIFYs refused: 4008 as the user held its maximum of sessions, or INVALID_SESSION as a bot's bucket started one too recently")
        .register(meters);
    FunctionCounter.builder("concord.session.passive.skipped", manager, SessionManager::passiveSkipped)
        .description("deliveries passive sessions skipped (guilds their clients are not looking at)")
        .register(meters);
    FunctionCounter.builder("concord.session.passive.updates", manager, SessionManager::passiveUpdates)
        .description("PASSIVE_UPDATE_V1 dispatches (batched unread markers) sent instead")
        .register(meters);
    FunctionCounter.builder("concord.session.passive.syncs", manager, SessionManager::passiveSyncs)
        .description("switches to active served from the worker's roster of the guild")
        .register(meters);
    FunctionCounter.builder("concord.session.passive.sync-fallbacks", manager, SessionManager::passiveSyncFallbacks)
        .description("switches to active that re-joined the guild with a catch-up from the store instead")
        .register(meters);
    Gauge.builder("concord.session.roster.kept.bytes", manager, SessionManager::rosterKeptBytes)
        .description("bytes of recent guild events the workers keep for joins in flight and passive sessions")
        .register(meters);
    FunctionCounter.builder("concord.session.expired", manager, SessionManager::expiredSessions)
        .description("detached sessions ended because the resume window passed")
        .register(meters);
    FunctionCounter.builder("concord.session.guild.rejoins", manager, SessionManager::rejoins)
        .description("guild subscriptions re-joined because their guild moved (pod death, ring change)")
        .register(meters);
    FunctionCounter.builder("concord.session.guild.caught-up", manager, SessionManager::caughtUpMessages)
        .description("missed messages dispatched after re-joins")
        .register(meters);
    FunctionCounter.builder("concord.session.desyncs", manager, SessionManager::desyncs)
        .description("sessions closed because they fell behind or missed events")
        .register(meters);
    return manager;
  }

  /** This pod's lease on the session ring (joins after startup, says goodbye first on shutdown). */
  @Bean(destroyMethod = "close")
  LeaseKeeper sessionLease(SessionProperties props, Channels channels, ScheduledExecutorService sessionScheduler, Environment env) {
    String address =
        props.advertiseAddress().isEmpty()
            ? "127.0.0.1:" + env.getRequiredProperty("spring.grpc.server.port")
            : props.advertiseAddress();
    return new LeaseKeeper(Role.ROLE_SESSION, props.podId(), address, channels.forAddress(props.registryAddress()), sessionScheduler);
  }

  @Bean
  SmartLifecycle sessionLeaseLifecycle(LeaseKeeper sessionLease) {
    return new LeaseLifecycle(sessionLease);
  }
}
