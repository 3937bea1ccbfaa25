package dev.concord.gateway.rest;

import dev.concord.gateway.config.GatewayProperties;
import dev.concord.protocol.InvalidTokenException;
import dev.concord.protocol.TokenVerifier;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The REST subset under {@code /api/v10} served by the gateway. Errors use Discord's JSON shape
 * {@code {"code":…,"message":…}}.
 */
public final class GatewayRoutes {
  private final GatewayProperties props;
  private final TokenVerifier tokens;

  public GatewayRoutes(GatewayProperties props, TokenVerifier tokens) {
    this.props = props;
    this.tokens = tokens;
  }

  public RouterFunction<ServerResponse> routes() {
    return org.springframework.web.reactive.function.server.RouterFunctions.route()
        .GET("/api/v10/gateway", this::gateway)
        .GET("/api/v10/gateway/bot", this::gatewayBot)
        .build();
  }

  private Mono<ServerResponse> gateway(ServerRequest req) {
    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("url", props.publicUrl()));
  }

  private Mono<ServerResponse> gatewayBot(ServerRequest req) {
    String auth = req.headers().firstHeader("Authorization");
    if (auth == null) {
      return error(HttpStatus.UNAUTHORIZED, 0, "401: Unauthorized");
    }
    try {
      tokens.verify(auth);
    } catch (InvalidTokenException e) {
      return error(HttpStatus.UNAUTHORIZED, 0, "401: Unauthorized");
    }
    return ServerResponse.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            Map.of(
                "url",
                props.publicUrl(),
                "shards",
                1,
                "session_start_limit",
                Map.of("total", 1000, "remaining", 1000, "reset_after", 86_400_000, "max_concurrency", 1)));
  }

  static Mono<ServerResponse> error(HttpStatus status, int code, String message) {
    return ServerResponse.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(Map.of("code", code, "message", message));
  }
}
