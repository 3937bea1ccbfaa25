package dev.concord.gateway.rest;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.concord.cluster.Channels;
import dev.concord.cluster.RingWatcher;
import dev.concord.gateway.auth.AccountTokens;
import dev.concord.gateway.auth.LoginLimiter;
import dev.concord.gateway.auth.PasswordHasher;
import dev.concord.gateway.auth.TokenRevocations;
import dev.concord.gateway.guild.GuildClient;
import dev.concord.gateway.ws.SessionStartLimit;
import dev.concord.proto.common.v1.Role;
import dev.concord.protocol.TokenVerifier;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.util.UriUtils;
import tools.jackson.databind.JsonNode;

/**
 * Any request on any REST route: the route's path variables, its query and its body, and the
 * {@code Authorization} header, from the fuzzer's bytes, through the real router, filters and
 * handlers (in memory, no socket). The guild pods are out of reach (an empty ring), so a request
 * the binders accept ends in a 503; the binders themselves must answer bad input with a 4xx in
 * Discord's shape ({@code {"code","message"}}), never a 500 (an exception they did not expect).
 * The send route's own path parser ({@link RestDirectRoutes#channelSegment}) gets the same paths.
 */
class RestRoutesFuzzTest {
  private static final String SECRET = "fuzz-rest-secret-0123456789abcdef012345";
  private static final String C = "/api/v10/channels/{channel}";
  private static final String M = C + "/messages/{message}";
  private static final String R = M + "/reactions/{emoji}";
  /** Every route of {@link RestApi#routes()}, as method and pattern. */
  private static final String[] ROUTES = {
    "GET /api/v10/gateway", "GET /api/v10/gateway/bot", "POST /api/v10/auth/register", "POST /api/v10/auth/login",
    "POST /api/v10/auth/logout", "POST /api/v10/auth/password", "POST " + C + "/invites", "GET /api/v10/invites/{code}",
    "POST /api/v10/invites/{code}", "DELETE /api/v10/invites/{code}", "GET /api/v10/users/@me", "PATCH /api/v10/users/@me",
    "GET /api/v10/users/@me/guilds", "GET /api/v10/users/{user}", "DELETE /api/v10/users/@me/guilds/{guild}",
    "PATCH /api/v10/guilds/{guild}", "DELETE /api/v10/guilds/{guild}", "POST /api/v10/guilds/{guild}/channels",
    "PATCH /api/v10/guilds/{guild}/members/{user}", "DELETE /api/v10/guilds/{guild}/members/{user}",
    "PUT /api/v10/guilds/{guild}/members/{user}/roles/{role}", "DELETE /api/v10/guilds/{guild}/members/{user}/roles/{role}",
    "POST /api/v10/guilds/{guild}/roles", "PATCH /api/v10/guilds/{guild}/roles/{role}", "DELETE /api/v10/guilds/{guild}/roles/{role}",
    "PATCH " + C, "DELETE " + C, "PUT " + C + "/permissions/{overwrite}", "DELETE " + C + "/permissions/{overwrite}",
    "POST /api/v10/guilds", "GET /api/v10/guilds/{guild}", "GET /api/v10/guilds/{guild}/channels", "GET /api/v10/guilds/{guild}/members",
    "GET /api/v10/guilds/{guild}/members/{user}", "GET /api/v10/guilds/{guild}/roles", "GET " + C, "POST " + C + "/typing",
    "GET " + C + "/messages", "POST " + C + "/messages", "POST " + C + "/messages/bulk-delete", "GET " + M, "PATCH " + M, "DELETE " + M,
    "GET " + R, "PUT " + R + "/@me", "DELETE " + R + "/@me", "DELETE " + R + "/{user}", "GET /api/v10/nowhere"
  };
  private static final String[] QUERY = {"limit", "after", "before", "around", "with_counts", "with_expiration"};
  private static final Pattern VARIABLE = Pattern.compile("\\{[a-z]+}");

  /** Built at the first input, after Jazzer's agent is in place (so the gateway is instrumented). */
  private static final class Fixture {
    static final TokenVerifier VERIFIER = new TokenVerifier(SECRET);
    static final String BOT = "Bot " + VERIFIER.sign(4242, 86_400);
    static final WebTestClient CLIENT;
    static final org.springframework.web.reactive.function.server.RouterFunction<org.springframework.web.reactive.function.server.ServerResponse> ROUTER;

    static {
      var scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory());
      // a registry that never answers: every ring stays empty, so no guild pod is reachable
      var nowhere = InProcessChannelBuilder.forName("nowhere").build();
      var channels = new Channels();
      var clock = Clock.systemUTC();
      var auth =
          new RestApi.AuthSettings(
              VERIFIER,
              new PasswordHasher(1, 64, 8, 1),
              new LoginLimiter(Integer.MAX_VALUE, Integer.MAX_VALUE, Duration.ofMinutes(1), 10_000, clock),
              new LoginLimiter(Integer.MAX_VALUE, Integer.MAX_VALUE, Duration.ofMinutes(1), 10_000, clock),
              new TokenRevocations(new RingWatcher(Role.ROLE_GATEWAY, nowhere, scheduler), channels, Duration.ofSeconds(1)),
              3600);
      var api =
          new RestApi(
              "ws://gateway.test",
              new AccountTokens(VERIFIER, id -> CompletableFuture.completedFuture(TokenVerifier.UNVERSIONED), 30_000, 100, clock),
              auth,
              new SessionStartLimit(1_000_000, Duration.ofDays(1), 1, 1000, clock),
              new GuildClient(new RingWatcher(Role.ROLE_GUILD, nowhere, scheduler), channels, Duration.ofSeconds(1), 16),
              // limits out of the way: a rate-limited request never reaches its binders
              new RestApi.Limits(Integer.MAX_VALUE, Duration.ofSeconds(1), Integer.MAX_VALUE, Duration.ofSeconds(1), 10_000),
              new SimpleMeterRegistry(),
              dev.concord.tracing.Tracing.off());
      ROUTER = api.routes();
      CLIENT = WebTestClient.bindToRouterFunction(ROUTER).configureClient().responseTimeout(Duration.ofSeconds(10)).build();
    }
  }

  @FuzzTest(maxDuration = "10s")
  @DictionaryFile(resourcePath = "rest-bodies.dict")
  void anyRequest(FuzzedDataProvider data) {
    String[] route = data.pickValue(ROUTES).split(" ", 2);
    StringBuilder path = new StringBuilder();
    Matcher v = VARIABLE.matcher(route[1]);
    while (v.find()) {
      String value = data.consumeBoolean() ? Long.toUnsignedString(data.consumeLong()) : data.consumeString(40);
      v.appendReplacement(path, Matcher.quoteReplacement(UriUtils.encodePathSegment(value, StandardCharsets.UTF_8)));
    }
    v.appendTail(path);
    int params = data.consumeInt(0, 3);
    for (int i = 0; i < params; i++) {
      path.append(i == 0 ? '?' : '&').append(data.pickValue(QUERY)).append('=');
      path.append(UriUtils.encodeQueryParam(data.consumeString(24), StandardCharsets.UTF_8));
    }
    String authorization = data.consumeBoolean() ? Fixture.BOT : printable(data.consumeAsciiString(80));
    byte[] body = data.consumeRemainingAsBytes();

    RestDirectRoutes.channelSegment(path.toString()); // the send route's parser: any path, no exception

    EntityExchangeResult<byte[]> result =
        Fixture.CLIENT
            .method(HttpMethod.valueOf(route[0]))
            .uri(URI.create(path.toString()))
            .header("Authorization", authorization)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectBody()
            .returnResult();
    int status = result.getStatus().value();
    String what = route[0] + " " + path + " " + new String(body, StandardCharsets.UTF_8);
    if (status == 500) {
      throw new AssertionError("500 (an unexpected exception) on " + what);
    }
    if (status >= 400) {
      JsonNode error = RestIo.JSON.readTree(result.getResponseBodyContent());
      if (!error.path("message").isString() || !error.path("code").isNumber()) {
        throw new AssertionError(status + " without Discord's error shape on " + what + ": " + error);
      }
    }
  }

  /** The list above is written out by hand: a route added to {@link RestApi#routes()} and not to it fails here. */
  @org.junit.jupiter.api.Test
  void everyRouteOfTheApi_isFuzzed() {
    java.util.Set<String> served = new java.util.TreeSet<>();
    Fixture.ROUTER.accept(new RouteLister(served));
    org.assertj.core.api.Assertions.assertThat(served).hasSizeGreaterThan(40);
    org.assertj.core.api.Assertions.assertThat(java.util.Set.of(ROUTES)).containsAll(served);
  }

  /** Collects "METHOD pattern" of every route built from a method and a path. */
  private record RouteLister(java.util.Set<String> served) implements org.springframework.web.reactive.function.server.RouterFunctions.Visitor {
    @Override
    public void route(org.springframework.web.reactive.function.server.RequestPredicate predicate, org.springframework.web.reactive.function.server.HandlerFunction<?> handler) {
      String[] methodAndPath = new String[2];
      predicate.accept(
          new org.springframework.web.reactive.function.server.RequestPredicates.Visitor() {
            @Override
            public void method(java.util.Set<HttpMethod> methods) {
              methodAndPath[0] = methods.iterator().next().name();
            }

            @Override
            public void path(String pattern) {
              methodAndPath[1] = pattern;
            }

            @Override
            public void pathExtension(String extension) {}

            @Override
            public void header(String name, String value) {}

            @Override
            public void queryParam(String name, String value) {}

            @Override
            public void version(String version) {}

            @Override
            public void startAnd() {}

            @Override
            public void and() {}

            @Override
            public void endAnd() {}

            @Override
            public void startOr() {}

            @Override
            public void or() {}

            @Override
            public void endOr() {}

            @Override
            public void startNegate() {}

            @Override
            public void endNegate() {}

            @Override
            public void unknown(org.springframework.web.reactive.function.server.RequestPredicate p) {}
          });
      if (methodAndPath[0] != null && methodAndPath[1] != null) {
        served.add(methodAndPath[0] + " " + methodAndPath[1]);
      }
    }

    @Override
    public void startNested(org.springframework.web.reactive.function.server.RequestPredicate predicate) {}

    @Override
    public void endNested(org.springframework.web.reactive.function.server.RequestPredicate predicate) {}

    @Override
    public void resources(java.util.function.Function<org.springframework.web.reactive.function.server.ServerRequest, reactor.core.publisher.Mono<org.springframework.core.io.Resource>> lookup) {}

    @Override
    public void attributes(java.util.Map<String, Object> attributes) {}

    @Override
    public void unknown(org.springframework.web.reactive.function.server.RouterFunction<?> routerFunction) {}
  }

  /** A header value the HTTP client accepts: visible ASCII and spaces. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        b.append(c);
      }
    }
    return b.toString();
  }
}
