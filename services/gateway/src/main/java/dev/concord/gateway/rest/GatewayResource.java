package dev.concord.gateway.rest;

import dev.concord.gateway.ws.SessionStartLimit;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/** {@code /gateway} and {@code /gateway/bot}: where to connect, and the session start limit. */
final class GatewayResource {
  private final String publicUrl;
  private final SessionStartLimit startLimit;

  GatewayResource(String publicUrl, SessionStartLimit startLimit) {
    this.publicUrl = publicUrl;
    this.startLimit = startLimit;
  }

  /** GET /gateway (no authentication): the WebSocket URL, with no query string. */
  Mono<ServerResponse> gateway(ServerRequest req) {
    ObjectNode n = RestIo.JSON.createObjectNode();
    n.put("url", publicUrl);
    return RestIo.json(n);
  }

  /** GET /gateway/bot: the URL, one shard, and this token's identifies left in the window. */
  Mono<ServerResponse> gatewayBot(ServerRequest req) {
    SessionStartLimit.Remaining r = startLimit.remaining(RestIo.user(req));
    ObjectNode n = RestIo.JSON.createObjectNode();
    n.put("url", publicUrl);
    n.put("shards", 1);
    n.putObject("session_start_limit")
        .put("total", r.total())
        .put("remaining", r.remaining())
        .put("reset_after", r.resetAfterMs())
        .put("max_concurrency", r.maxConcurrency());
    return RestIo.json(n);
  }
}
