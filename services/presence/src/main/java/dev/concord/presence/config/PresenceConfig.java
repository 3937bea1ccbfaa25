package dev.concord.presence.config;

import dev.concord.cluster.DirectCalls;
import java.util.Set;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import com.google.protobuf.ByteString;
import dev.concord.cluster.Channels;
import dev.concord.cluster.LeaseKeeper;
import dev.concord.support.LeaseLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import dev.concord.cluster.RingWatcher;
import dev.concord.presence.core.GuildPublisher;
import dev.concord.presence.core.PresenceBook;
import dev.concord.proto.common.v1.Role;
import dev.concord.proto.guild.v1.GuildRegistryGrpc;
import dev.concord.proto.guild.v1.PublishPresenceRequest;
import dev.concord.proto.guild.v1.PublishPresenceResponse;
import dev.concord.proto.guild.v1.PublishPresencesRequest;
import dev.concord.streams.PeerBatchers;
import dev.concord.streams.Unary;
import dev.concord.ring.RingSnapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class PresenceConfig {
  private static final Logger log = LoggerFactory.getLogger(PresenceConfig.class);

  /**
   * gRPC handlers on the transport's event loop ({@link DirectCalls}): every Presence method works
   * under short per-user locks and hands publishing to async batchers.
   */
  @Bean
  <T extends io.grpc.ServerBuilder<T>> ServerBuilderCustomizer<T> directCalls() {
    return b -> DirectCalls.apply(b, Set.of());
  }

  @Bean
  PresenceBook presenceBook(PresenceProperties props, MeterRegistry meters) {
    PresenceBook book = new PresenceBook(props.maxSessionsPerUser());
    Gauge.builder("concord.presence.users", book, PresenceBook::onlineUsers)
        .description("users with at least one session")
        .register(meters);
    return book;
  }

  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService presenceScheduler() {
    return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("presence-sched").daemon().factory());
  }

  @Bean(destroyMethod = "close")
  Channels presenceChannels() {
    return new Channels();
  }

  @Bean(destroyMethod = "close")
  RingWatcher presenceGuildRing(PresenceProperties props, Channels channels, ScheduledExecutorService presenceScheduler) {
    return new RingWatcher(Role.ROLE_GUILD, channels.forAddress(props.registryAddress()), presenceScheduler).start();
  }

  /**
   * Publishes into each guild on its owner, coalesced per guild pod into PublishPresences calls
   * (one call per guild per change before: a connect storm's presence changes were a third of the
   * presence pod's connect CPU). Failures are counted and logged, never retried: the next change
   * publishes the user's whole presence again.
   */
  @Bean
  GuildPublisher guildPublisher(PresenceProperties props, Channels channels, RingWatcher presenceGuildRing, MeterRegistry meters) {
    Counter failures = Counter.builder("concord.presence.publish.failures").register(meters);
    Counter published = Counter.builder("concord.presence.publish").register(meters);
    PeerBatchers<PublishPresenceRequest, Boolean> batchers =
        new PeerBatchers<>(
            (address, items) ->
                Unary.<PublishPresenceResponse>call(
                        out ->
                            GuildRegistryGrpc.newStub(channels.forAddress(address))
                                .withDeadlineAfter(props.publishTimeout().toMillis(), TimeUnit.MILLISECONDS)
                                .publishPresences(PublishPresencesRequest.newBuilder().addAllItems(items).build(), out))
                    .thenApply(r -> java.util.Collections.nCopies(items.size(), Boolean.TRUE)),
            2,
            500, // the guild pod accepts 1000
            1 << 20,
            PublishPresenceRequest::getSerializedSize,
            50_000,
            64);
    return (userId, presenceJson, guildIds) -> {
      RingSnapshot ring = presenceGuildRing.ring().current();
      if (ring.isEmpty()) {
        failures.increment(guildIds.size());
        return;
      }
      ByteString payload = ByteString.copyFrom(presenceJson);
      for (long guildId : guildIds) {
        batchers
            .submit(ring.owner(guildId).address(), PublishPresenceRequest.newBuilder().setGuildId(guildId).setUserId(userId).setPresenceJson(payload).build())
            .whenComplete(
                (ok, t) -> {
                  if (t == null) {
                    published.increment();
                  } else {
                    failures.increment();
                    log.debug("presence of {} into guild {} failed: {}", userId, guildId, t.toString());
                  }
                });
      }
    };
  }

  /** This pod's lease on the presence ring (joins after startup, says goodbye first on shutdown). */
  @Bean(destroyMethod = "close")
  LeaseKeeper presenceLease(PresenceProperties props, Channels channels, ScheduledExecutorService presenceScheduler, Environment env) {
    String address =
        props.advertiseAddress().isEmpty()
            ? "127.0.0.1:" + env.getRequiredProperty("spring.grpc.server.port")
            : props.advertiseAddress();
    return new LeaseKeeper(Role.ROLE_PRESENCE, props.podId(), address, channels.forAddress(props.registryAddress()), presenceScheduler);
  }

  @Bean
  SmartLifecycle presenceLeaseLifecycle(LeaseKeeper presenceLease) {
    return new LeaseLifecycle(presenceLease);
  }
}
