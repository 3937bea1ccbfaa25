package dev.concord.gateway.rest;

import dev.concord.gateway.guild.GuildClient;
import dev.concord.gateway.ws.SessionStartLimit;
import dev.concord.protocol.InvalidTokenException;
import dev.concord.gateway.auth.AccountTokens;
import dev.concord.protocol.TokenVerifier;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.util.pattern.PathPattern;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * The REST API under {@code /api/v10}: the routes of each resource, behind one authentication
 * filter ({@code Authorization: Bot <token>} or {@code Bearer <token>}, else 401 with code 0), one
 * rate-limit filter (X-RateLimit-* on every answer, 429 with Discord's body when a window is used
 * up) and one error mapping ({@link RestErrors}); anything else under {@code /api} is a 404 in
 * Discord's shape.
 *
 * <p>Metrics: {@code concord.gateway.rest.requests}, a timer by outcome class (2xx, 4xx, 429,
 * 5xx); Spring's own per-request HTTP observation is off on the gateway (it cost ~17 % of REST
 * throughput).
 */
public final class RestApi {
  /** What the {@code /auth} routes need (see {@link AuthResource}). */
  public record AuthSettings(
      TokenVerifier signer,
      dev.concord.gateway.auth.PasswordHasher hasher,
      dev.concord.gateway.auth.LoginLimiter logins,
      dev.concord.gateway.auth.LoginLimiter registrations,
      dev.concord.gateway.auth.TokenRevocations revocations,
      long tokenTtlSeconds) {}

  /** The rate-limit settings; see the gateway's application.yaml. */
  public record Limits(int routeLimit, Duration routeWindow, int globalLimit, Duration globalWindow, int maxWindows) {}

  private final VerifiedTokens tokens;
  private final AccountTokens accountTokens;
  private final AuthResource auth;
  private final InviteResource invites;
  private final RestRateLimiter limiter;
  private final java.util.Map<String, Timer> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
  private final GatewayResource gateway;
  private final UserResource users;
  private final GuildResource guilds;
  private final ChannelResource channels;
  private final MessageResource messages;
  private final ReactionResource reactions;
  private final ManagementResource manage;
  private final MeterRegistry meters;

  public RestApi(
      String publicUrl,
      AccountTokens accountTokens,
      AuthSettings auth,
      SessionStartLimit startLimit,
      GuildClient guildClient,
      Limits limits,
      MeterRegistry meters,
      dev.concord.tracing.Tracing tracing) {
    this.accountTokens = accountTokens;
    this.invites = new InviteResource(guildClient);
    this.tokens = new VerifiedTokens(accountTokens, 10_000, 100_000);
    this.auth = new AuthResource(guildClient, auth);
    this.meters = meters;
    this.limiter =
        new RestRateLimiter(
            limits.routeLimit(), limits.routeWindow(), limits.globalLimit(), limits.globalWindow(), limits.maxWindows(), Clock.systemUTC());
    this.gateway = new GatewayResource(publicUrl, startLimit);
    this.users = new UserResource(guildClient);
    this.guilds = new GuildResource(guildClient);
    this.channels = new ChannelResource(guildClient);
    this.messages = new MessageResource(guildClient, tracing);
    this.reactions = new ReactionResource(guildClient);
    this.manage = new ManagementResource(guildClient);
  }

  /**
   * The routes served below WebFlux's dispatcher, straight on the HTTP server (the hot ones; see
   * {@link RestDirectRoutes}), with the same authentication, limits, errors and metrics.
   */
  public org.springframework.boot.reactor.netty.NettyRouteProvider directRoutes() {
    return new RestDirectRoutes(this, messages);
  }

  public RouterFunction<ServerResponse> routes() {
    String c = "/api/v10/channels/{channel}";
    String m = c + "/messages/{message}";
    String r = m + "/reactions/{emoji}";
    RouterFunction<ServerResponse> authenticated =
        RouterFunctions.route()
            .GET("/api/v10/gateway/bot", gateway::gatewayBot)
            .POST("/api/v10/auth/logout", auth::logout)
            .POST("/api/v10/auth/password", auth::changePassword)
            .POST(c + "/invites", invites::create)
            .GET("/api/v10/invites/{code}", invites::get)
            .POST("/api/v10/invites/{code}", invites::accept)
            .DELETE("/api/v10/invites/{code}", invites::delete)
            .GET("/api/v10/users/@me", users::me)
            .PATCH("/api/v10/users/@me", users::updateMe)
            .GET("/api/v10/users/@me/guilds", users::myGuilds)
            .GET("/api/v10/users/{user}", users::get)
            .DELETE("/api/v10/users/@me/guilds/{guild}", manage::leave)
            .PATCH("/api/v10/guilds/{guild}", manage::updateGuild)
            .DELETE("/api/v10/guilds/{guild}", manage::deleteGuild)
            .POST("/api/v10/guilds/{guild}/channels", manage::createChannel)
            .PATCH("/api/v10/guilds/{guild}/members/{user}", manage::updateMember)
            .DELETE("/api/v10/guilds/{guild}/members/{user}", manage::kick)
            .PUT("/api/v10/guilds/{guild}/members/{user}/roles/{role}", manage::addMemberRole)
            .DELETE("/api/v10/guilds/{guild}/members/{user}/roles/{role}", manage::removeMemberRole)
            .POST("/api/v10/guilds/{guild}/roles", manage::createRole)
            .PATCH("/api/v10/guilds/{guild}/roles/{role}", manage::updateRole)
            .DELETE("/api/v10/guilds/{guild}/roles/{role}", manage::deleteRole)
            .PATCH(c, manage::updateChannel)
            .DELETE(c, manage::deleteChannel)
            .PUT(c + "/permissions/{overwrite}", manage::putPermission)
            .DELETE(c + "/permissions/{overwrite}", manage::deletePermission)
            .POST("/api/v10/guilds", guilds::create)
            .GET("/api/v10/guilds/{guild}", guilds::get)
            .GET("/api/v10/guilds/{guild}/channels", guilds::channels)
            .GET("/api/v10/guilds/{guild}/members", guilds::members)
            .GET("/api/v10/guilds/{guild}/members/{user}", guilds::member)
            .GET("/api/v10/guilds/{guild}/roles", guilds::roles)
            .GET(c, channels::get)
            .POST(c + "/typing", channels::typing)
            .GET(c + "/messages", messages::list)
            // served by directRoutes() before it gets here, unless those are switched off
            .POST(c + "/messages", messages::create)
            .POST(c + "/messages/bulk-delete", messages::bulkDelete)
            .GET(m, messages::get)
            .PATCH(m, messages::edit)
            .DELETE(m, messages::delete)
            .GET(r, reactions::list)
            .PUT(r + "/@me", reactions::add)
            .DELETE(r + "/@me", reactions::removeOwn)
            .DELETE(r + "/{user}", reactions::removeUser)
            // the first filter is the outermost: authenticate, then rate-limit per user
            .filter(this::authenticate)
            .filter(this::rateLimit)
            .build();
    return RouterFunctions.route()
        .GET("/api/v10/gateway", gateway::gateway)
        .POST("/api/v10/auth/register", auth::register)
        .POST("/api/v10/auth/login", auth::login)
        .add(authenticated)
        .route(req -> req.path().equals("/api") || req.path().startsWith("/api/"), req -> Mono.error(RestException.notFound()))
        .filter(this::count)
        .onError(Throwable.class, (e, req) -> RestErrors.respond(e))
        .build();
  }

  private Mono<ServerResponse> authenticate(ServerRequest req, org.springframework.web.reactive.function.server.HandlerFunction<ServerResponse> next) {
    return authenticate(req.headers().firstHeader(HttpHeaders.AUTHORIZATION))
        .flatMap(
            user -> {
              req.attributes().put(RestIo.USER, user);
              return next.handle(req);
            });
  }

  /**
   * The user an {@code Authorization} header names ({@code Bot <token>} or {@code Bearer <token>}),
   * once its token is known current (an account token whose version was revoked by a logout is
   * refused); else 401.
   */
  Mono<Long> authenticate(@org.jspecify.annotations.Nullable String auth) {
    if (auth == null || !(auth.startsWith("Bot ") || auth.startsWith("Bearer "))) {
      return Mono.error(RestException.unauthorized());
    }
    TokenVerifier.Verified v;
    try {
      v = tokens.verify(auth);
    } catch (InvalidTokenException e) {
      return Mono.error(RestException.unauthorized());
    }
    if (!v.versioned()) {
      return Mono.just(v.userId());
    }
    return Mono.fromFuture(accountTokens.current(v)).flatMap(current -> current ? Mono.just(v.userId()) : Mono.error(RestException.unauthorized()));
  }

  /** One request of {@code user} on {@code route} (method + pattern) under {@code major} (channel or guild id). */
  RestRateLimiter.Decision acquire(long user, String route, String major) {
    return limiter.acquire(user, route, major);
  }

  private Mono<ServerResponse> rateLimit(ServerRequest req, org.springframework.web.reactive.function.server.HandlerFunction<ServerResponse> next) {
    Object p = req.attribute(RouterFunctions.MATCHING_PATTERN_ATTRIBUTE).orElse(null);
    String route = req.method().name() + " " + (p instanceof PathPattern pp ? pp.getPatternString() : req.path());
    String major = req.pathVariables().getOrDefault("channel", req.pathVariables().getOrDefault("guild", ""));
    long user = (Long) req.attribute(RestIo.USER).orElse(0L);
    RestRateLimiter.Decision d = acquire(user, route, major);
    if (!d.allowed()) {
      return limited(d);
    }
    // on the exchange's response, so that every answer carries them, errors included
    withHeaders(req.exchange().getResponse().getHeaders(), d);
    return next.handle(req);
  }

  private static void withHeaders(HttpHeaders h, RestRateLimiter.Decision d) {
    rateHeaders(d, h::set);
  }

  /** The X-RateLimit-* headers of an allowed request. */
  static void rateHeaders(RestRateLimiter.Decision d, java.util.function.BiConsumer<String, String> header) {
    header.accept("X-RateLimit-Limit", Integer.toString(d.limit()));
    header.accept("X-RateLimit-Remaining", Integer.toString(d.remaining()));
    header.accept("X-RateLimit-Reset", seconds(d.resetAtMs()));
    header.accept("X-RateLimit-Reset-After", seconds(d.resetAfterMs()));
    header.accept("X-RateLimit-Bucket", d.bucket());
  }

  /** The headers of a 429 (Retry-After, Via, X-RateLimit-* with the scope). */
  static void limitedHeaders(RestRateLimiter.Decision d, java.util.function.BiConsumer<String, String> header) {
    // whole seconds, rounded up (JDA parses an integer); Via marks it as ours, not a proxy's
    header.accept("Retry-After", Long.toString(Math.max(1, (d.resetAfterMs() + 999) / 1000)));
    header.accept("Via", "1.1 concord");
    header.accept("X-RateLimit-Limit", Integer.toString(d.limit()));
    header.accept("X-RateLimit-Remaining", "0");
    header.accept("X-RateLimit-Reset", seconds(d.resetAtMs()));
    header.accept("X-RateLimit-Reset-After", seconds(d.resetAfterMs()));
    header.accept("X-RateLimit-Bucket", d.bucket());
    header.accept("X-RateLimit-Scope", d.global() ? "global" : "user");
    if (d.global()) {
      header.accept("X-RateLimit-Global", "true");
    }
  }

  /** The body of a 429: {@code {message, retry_after, global, code}}. */
  static byte[] limitedBody(RestRateLimiter.Decision d) {
    ObjectNode body = RestIo.JSON.createObjectNode();
    body.put("message", "You are being rate limited.");
    body.put("retry_after", d.resetAfterMs() / 1000.0);
    body.put("global", d.global());
    body.put("code", 0);
    return RestIo.JSON.writeValueAsBytes(body);
  }

  private static Mono<ServerResponse> limited(RestRateLimiter.Decision d) {
    ServerResponse.BodyBuilder b = ServerResponse.status(HttpStatus.TOO_MANY_REQUESTS).contentType(MediaType.APPLICATION_JSON);
    limitedHeaders(d, b::header);
    return b.bodyValue(limitedBody(d));
  }

  private Mono<ServerResponse> count(ServerRequest req, org.springframework.web.reactive.function.server.HandlerFunction<ServerResponse> next) {
    long start = System.nanoTime();
    // deferred: a handler that throws while building its Mono (a bad path id) is answered too
    return Mono.defer(() -> next.handle(req))
        .onErrorResume(e -> RestErrors.respond(e))
        .doOnNext(resp -> record(resp.statusCode().value(), start));
  }

  /** One answered request in {@code concord.gateway.rest.requests}, by outcome class. */
  void record(int status, long startNanos) {
    String outcome = status == 429 ? "429" : status >= 500 ? "5xx" : status >= 400 ? "4xx" : "2xx";
    outcomes
        .computeIfAbsent(
            outcome,
            o ->
                Timer.builder("concord.gateway.rest.requests")
                    .description("REST requests by outcome, until the answer is ready")
                    .tag("outcome", o)
                    .register(meters))
        .record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** Milliseconds as seconds with three decimals ("5.000"), without a Formatter (hot path). */
  static String seconds(long ms) {
    long frac = Math.abs(ms % 1000);
    StringBuilder b = new StringBuilder(16).append(ms / 1000).append('.');
    if (frac < 100) {
      b.append('0');
    }
    if (frac < 10) {
      b.append('0');
    }
    return b.append(frac).toString();
  }
}
