package dev.concord.gateway.config;

import dev.concord.cluster.DirectCalls;
import java.util.Set;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import dev.concord.cluster.Channels;
import dev.concord.cluster.LeaseKeeper;
import dev.concord.support.LeaseLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import dev.concord.cluster.RingWatcher;
import dev.concord.gateway.link.SessionLinks;
import dev.concord.gateway.rest.RestApi;
import dev.concord.gateway.auth.AccountTokens;
import dev.concord.gateway.auth.GatewayAdminGrpcService;
import dev.concord.gateway.auth.LoginLimiter;
import dev.concord.gateway.auth.PasswordHasher;
import dev.concord.gateway.auth.TokenRevocations;
import dev.concord.gateway.guild.GuildClient;
import dev.concord.proto.guild.v1.AccountsGrpc;
import dev.concord.proto.guild.v1.GetUserRequest;
import dev.concord.proto.guild.v1.TokenVersion;
import dev.concord.gateway.ws.SessionStartLimit;
import dev.concord.gateway.ws.GatewayWebSocketHandler;
import dev.concord.proto.common.v1.Role;
import dev.concord.protocol.TokenVerifier;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.support.WebSocketHandlerAdapter;
import dev.concord.gateway.ws.ChannelUpgradeStrategy;
import dev.concord.gateway.ws.GatewayDrain;
import reactor.netty.http.server.WebsocketServerSpec;

@Configuration(proxyBeanMethods = false)
class GatewayConfig {
  /**
   * gRPC handlers on the transport's event loop ({@link DirectCalls}): GatewayAdmin only updates a
   * map and posts to the sockets' loops.
   */
  @Bean
  <T extends io.grpc.ServerBuilder<T>> ServerBuilderCustomizer<T> directCalls() {
    return b -> DirectCalls.apply(b, Set.of());
  }

  /**
   * Netty's own frame cap, above the protocol's 4096-byte limit so that a too-large frame reaches
   * the connection and gets the protocol's 4002 rather than a bare 1009.
   */
  static final int NETTY_MAX_FRAME_BYTES = 64 * 1024;

  @Bean
  TokenVerifier tokenVerifier(GatewayProperties props) {
    if (props.tokenSecret() == null || props.tokenSecret().length() < 32) {
      throw new IllegalStateException(
          "concord.gateway.token-secret must be set to at least 32 characters (env CONCORD_GATEWAY_TOKEN_SECRET)");
    }
    if (props.tokenSecretPrevious().isEmpty()) {
      return new TokenVerifier(props.tokenSecret());
    }
    // a key rotation: tokens of the previous key keep working until the window closes
    if (!props.tokenSecretPreviousUntil().isAfter(java.time.Instant.now())) {
      org.slf4j.LoggerFactory.getLogger(GatewayConfig.class)
          .warn(
              "concord.gateway.token-secret-previous is set but token-secret-previous-until ({}) has passed: the previous key is not accepted",
              props.tokenSecretPreviousUntil());
    }
    return new TokenVerifier(
        props.tokenSecret().getBytes(java.nio.charset.StandardCharsets.UTF_8),
        props.tokenSecretPrevious().getBytes(java.nio.charset.StandardCharsets.UTF_8),
        props.tokenSecretPreviousUntil(),
        java.time.Clock.systemUTC());
  }

  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService gatewayScheduler() {
    return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("gateway-sched").daemon().factory());
  }

  @Bean(destroyMethod = "shutdownNow")
  ExecutorService gatewayLinkSendPool() {
    return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("gw-link-send-", 0).factory());
  }

  /** Channels to the other pods (registry, session links). */
  @Bean(destroyMethod = "close")
  @org.springframework.context.annotation.Primary
  Channels gatewayChannels() {
    return new Channels();
  }

  @Bean(destroyMethod = "close")
  RingWatcher gatewaySessionRing(GatewayProperties props, Channels channels, ScheduledExecutorService gatewayScheduler) {
    return new RingWatcher(Role.ROLE_SESSION, channels.forAddress(props.registryAddress()), gatewayScheduler).start();
  }

  @Bean(destroyMethod = "close")
  SessionLinks sessionLinks(
      GatewayProperties props,
      RingWatcher gatewaySessionRing,
      Channels channels,
      ExecutorService gatewayLinkSendPool,
      dev.concord.tracing.Tracing tracing,
      MeterRegistry meters) {
    io.micrometer.core.instrument.Timer pass =
        io.micrometer.core.instrument.Timer.builder("concord.gateway.delivery.pass")
            .description("time an event loop takes to write one shared dispatch to its connections")
            .publishPercentileHistogram()
            .register(meters);
    return new SessionLinks(
            gatewaySessionRing, channels, gatewayLinkSendPool, props.linkQueueCapacity(), props.linkMaxBatch(), tracing)
        .withWritePassTimer(nanos -> pass.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS))
        .withPendingDeliveries(props.linkPendingDeliveries());
  }

  @Bean
  SessionStartLimit sessionStartLimit(GatewayProperties props) {
    return new SessionStartLimit(
        props.sessionStartTotal(), props.sessionStartWindow(), props.maxConcurrency(), 1_000_000, java.time.Clock.systemUTC());
  }

  @Bean(destroyMethod = "close")
  RingWatcher gatewayGuildRing(GatewayProperties props, Channels channels, ScheduledExecutorService gatewayScheduler) {
    return new RingWatcher(Role.ROLE_GUILD, channels.forAddress(props.registryAddress()), gatewayScheduler).start();
  }

  /** Channels to the guild pods for REST calls: no transparent retries (REST answers a failure itself). */
  @Bean(destroyMethod = "close")
  Channels guildApiChannels() {
    return new Channels(16 * 1024 * 1024, false);
  }

  @Bean
  GuildClient guildClient(
      GatewayProperties props,
      RingWatcher gatewayGuildRing,
      // by name: the @Primary channels (with retries) would win over the parameter's name
      @org.springframework.beans.factory.annotation.Qualifier("guildApiChannels") Channels guildApiChannels) {
    return new GuildClient(gatewayGuildRing, guildApiChannels, props.guildCallTimeout(), props.channelCacheSize());
  }

  /** Token checks: signatures here, account token versions from the guild pods' store (cached). */
  @Bean
  AccountTokens accountTokens(GatewayProperties props, TokenVerifier tokens, GuildClient guildClient) {
    return new AccountTokens(
        tokens,
        userId ->
            guildClient
                .<AccountsGrpc.AccountsStub, TokenVersion>callWith(
                    userId, AccountsGrpc::newStub, (stub, o) -> stub.getTokenVersion(GetUserRequest.newBuilder().setUserId(userId).build(), o))
                .map(v -> v.getHasAccount() ? v.getTokenVersion() : TokenVerifier.UNVERSIONED)
                .toFuture(),
        props.tokenVersionTtl().toMillis(),
        100_000, // users with live account tokens cached at once (~10 MB at most)
        java.time.Clock.systemUTC());
  }

  @Bean(destroyMethod = "close")
  RingWatcher gatewayPeerRing(GatewayProperties props, Channels channels, ScheduledExecutorService gatewayScheduler) {
    return new RingWatcher(Role.ROLE_GATEWAY, channels.forAddress(props.registryAddress()), gatewayScheduler).start();
  }

  @Bean(destroyMethod = "close")
  PasswordHasher passwordHasher(GatewayProperties props) {
    return new PasswordHasher(props.passwordHashThreads(), props.passwordHashQueue(), PasswordHasher.MEMORY_KIB, PasswordHasher.ITERATIONS);
  }

  /** Revocations between gateway pods (a logout on one closes the user's sockets on all). */
  @Bean
  GatewayAdminGrpcService gatewayAdminGrpcService(AccountTokens accountTokens, GatewayWebSocketHandler handler) {
    return new GatewayAdminGrpcService(accountTokens, handler::revoke);
  }

  @Bean
  GatewayWebSocketHandler gatewayWebSocketHandler(
      GatewayProperties props, AccountTokens tokens, SessionStartLimit sessionStartLimit, SessionLinks links, MeterRegistry meters) {
    GatewayWebSocketHandler handler = new GatewayWebSocketHandler(props, tokens, sessionStartLimit, links);
    Gauge.builder("concord.gateway.connections", handler, GatewayWebSocketHandler::openConnections)
        .description("open client WebSockets")
        .register(meters);
    Gauge.builder("concord.gateway.links", links, SessionLinks::openLinks)
        .description("open links to session pods")
        .register(meters);
    return handler;
  }

  @Bean
  ConnectionsEndpoint connectionsEndpoint(GatewayWebSocketHandler handler, SessionLinks links) {
    return new ConnectionsEndpoint(handler, links);
  }

  @Bean
  GatewayDrain gatewayDrain(GatewayWebSocketHandler handler, GatewayProperties props) {
    return new GatewayDrain(handler, props.drainTimeout());
  }

  @Bean
  HandlerMapping gatewayMapping(GatewayWebSocketHandler handler) {
    // Discord clients connect to the root ("wss://host/?v=10&encoding=json").
    return new SimpleUrlHandlerMapping(Map.of("/", handler, "/gateway", handler), -1);
  }

  /**
   * The client WebSocket upgrade on the HTTP server before WebFlux (see GatewayWebSocketRoutes);
   * {@code concord.gateway.ws-direct-routes=false} leaves it to WebFlux's handler mapping below.
   */
  @Bean
  @org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty(name = "concord.gateway.ws-direct-routes", matchIfMissing = true)
  org.springframework.boot.reactor.netty.NettyRouteProvider gatewayWebSocketRoutes(
      GatewayWebSocketHandler handler, GatewayProperties props, MeterRegistry meters) {
    var admission =
        new dev.concord.gateway.ws.ConnectionAdmission(
            props.maxConnections(), props.maxConnectionsPerAddress(), props.compressionMemory().toBytes(), props.zstdWindowLog());
    for (var why : dev.concord.gateway.ws.ConnectionAdmission.Refusal.values()) {
      FunctionCounter.builder("concord.gateway.upgrades.refused", admission, a -> a.refused(why))
          .tag("reason", why.name().toLowerCase(java.util.Locale.ROOT))
          .description("WebSocket upgrades answered 429: the pod's or one address's connection limit, or the compressors' memory budget")
          .register(meters);
    }
    Gauge.builder("concord.gateway.connection.addresses", admission, dev.concord.gateway.ws.ConnectionAdmission::addresses)
        .description("client addresses with an open connection")
        .register(meters);
    Gauge.builder("concord.gateway.compression.memory", admission, dev.concord.gateway.ws.ConnectionAdmission::compressionBytes)
        .description("native memory charged to the compressors of open compressed sockets (counted under a budget)")
        .baseUnit("bytes")
        .register(meters);
    return new dev.concord.gateway.ws.GatewayWebSocketRoutes(
        handler, () -> WebsocketServerSpec.builder().maxFramePayloadLength(NETTY_MAX_FRAME_BYTES).handlePing(false), admission);
  }

  @Bean
  WebSocketHandlerAdapter webSocketHandlerAdapter() {
    var strategy =
        new ChannelUpgradeStrategy(
            () -> WebsocketServerSpec.builder().maxFramePayloadLength(NETTY_MAX_FRAME_BYTES).handlePing(false));
    return new WebSocketHandlerAdapter(new HandshakeWebSocketService(strategy));
  }

  @Bean
  RestApi restApi(
      GatewayProperties props,
      TokenVerifier tokens,
      AccountTokens accountTokens,
      PasswordHasher passwordHasher,
      RingWatcher gatewayPeerRing,
      Channels channels,
      SessionStartLimit sessionStartLimit,
      GuildClient guildClient,
      MeterRegistry meters,
      dev.concord.tracing.Tracing tracing) {
    var limits =
        new RestApi.Limits(
            props.restRouteLimit(), props.restRouteWindow(), props.restGlobalLimit(), props.restGlobalWindow(), props.restMaxWindows());
    var clock = java.time.Clock.systemUTC();
    var auth =
        new RestApi.AuthSettings(
            tokens,
            passwordHasher,
            new LoginLimiter(props.loginAttemptsPerName(), props.loginAttemptsPerAddress(), props.loginWindow(), 100_000, clock),
            new LoginLimiter(Integer.MAX_VALUE, props.registrationsPerAddress(), props.registrationWindow(), 100_000, clock),
            new TokenRevocations(gatewayPeerRing, channels, java.time.Duration.ofSeconds(5)),
            props.accountTokenTtl().toSeconds());
    return new RestApi(props.publicUrl(), accountTokens, auth, sessionStartLimit, guildClient, limits, meters, tracing);
  }

  @Bean
  RouterFunction<ServerResponse> restRoutes(RestApi restApi) {
    return restApi.routes();
  }

  /**
   * The web app, built into {@code static/app} by the Maven build (its files are served as static
   * resources): {@code /app} and {@code /app/} answer its page; 404 if the build left it out.
   */
  @Bean
  RouterFunction<ServerResponse> appRoutes() {
    org.springframework.core.io.Resource index = new org.springframework.core.io.ClassPathResource("static/app/index.html");
    return org.springframework.web.reactive.function.server.RouterFunctions.route()
        .GET("/app", req -> ServerResponse.permanentRedirect(java.net.URI.create("/app/")).build())
        .GET(
            "/app/",
            req ->
                index.exists()
                    ? ServerResponse.ok().contentType(org.springframework.http.MediaType.TEXT_HTML).header("Cache-Control", "no-cache").bodyValue(index)
                    : ServerResponse.notFound().build())
        .build();
  }

  /**
   * The hot REST routes, served on the HTTP server before WebFlux (see RestDirectRoutes);
   * {@code concord.gateway.rest-direct-routes=false} leaves them to the WebFlux routes (for
   * measuring the difference, or as a way back).
   */
  @Bean
  @org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty(name = "concord.gateway.rest-direct-routes", matchIfMissing = true)
  org.springframework.boot.reactor.netty.NettyRouteProvider restDirectRoutes(RestApi restApi) {
    return restApi.directRoutes();
  }

  /** This pod's lease on the gateway ring (joins after startup, says goodbye first on shutdown). */
  @Bean(destroyMethod = "close")
  LeaseKeeper gatewayLease(GatewayProperties props, Channels channels, ScheduledExecutorService gatewayScheduler, Environment env) {
    String address =
        props.advertiseAddress().isEmpty()
            ? "127.0.0.1:" + env.getRequiredProperty("spring.grpc.server.port")
            : props.advertiseAddress();
    return new LeaseKeeper(Role.ROLE_GATEWAY, props.podId(), address, channels.forAddress(props.registryAddress()), gatewayScheduler);
  }

  @Bean
  SmartLifecycle gatewayLeaseLifecycle(LeaseKeeper gatewayLease) {
    return new LeaseLifecycle(gatewayLease);
  }
}
