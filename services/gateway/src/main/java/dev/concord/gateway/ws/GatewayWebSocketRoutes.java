package dev.concord.gateway.ws;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.springframework.boot.reactor.netty.NettyRouteProvider;
import reactor.core.publisher.Flux;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerRoutes;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;

/**
 * The client WebSocket upgrade ({@code GET /} or {@code /gateway} with {@code Upgrade:
 * websocket}) served straight on the HTTP server, before WebFlux's dispatcher, into {@link
 * GatewayWebSocketHandler#serve}.
 *
 * <p>Why: measured with {@code make bench-load} (5 000 clients connecting), ~70 % of the gateway
 * event loop's samples went to the handshake through WebFlux (exchange, handler mapping, handshake
 * service, URI and header copies, a long reactive chain per request) rather than to the handshake
 * itself or the IDENTIFY; and every connection kept the WebFlux session objects for its lifetime.
 * Here the request is matched with two string checks and upgraded by Reactor Netty directly; data
 * frames are aggregated and bounded as before ({@code maxFramePayloadLength}), control frames are
 * Reactor Netty's (pings answered by it).
 */
public final class GatewayWebSocketRoutes implements NettyRouteProvider {
  private final GatewayWebSocketHandler handler;
  private final Supplier<WebsocketServerSpec.Builder> spec;

  public GatewayWebSocketRoutes(GatewayWebSocketHandler handler, Supplier<WebsocketServerSpec.Builder> spec) {
    this.handler = handler;
    this.spec = spec;
  }

  @Override
  public HttpServerRoutes apply(HttpServerRoutes routes) {
    WebsocketServerSpec built = spec.get().build();
    int maxFrame = built.maxFramePayloadLength();
    return routes.route(
        GatewayWebSocketRoutes::isGatewayUpgrade,
        (req, res) -> res.sendWebsocket((in, out) -> handler.serve(channelOf(in), req.uri(), frames(in, maxFrame), closeStatus(in)), built));
  }

  static boolean isGatewayUpgrade(HttpServerRequest req) {
    return req.method() == HttpMethod.GET
        && isGatewayPath(req.uri())
        && req.requestHeaders().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
  }

  /** {@code /} or {@code /gateway}, with or without a query. */
  static boolean isGatewayPath(String uri) {
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    return path.equals("/") || path.equals("/gateway");
  }

  private static Channel channelOf(WebsocketInbound in) {
    AtomicReference<Channel> ref = new AtomicReference<>();
    in.withConnection(c -> ref.set(c.channel()));
    return ref.get();
  }

  private static Flux<byte[]> frames(WebsocketInbound in, int maxFrame) {
    return in.aggregateFrames(maxFrame)
        .receiveFrames()
        .filter(f -> f instanceof TextWebSocketFrame || f instanceof BinaryWebSocketFrame)
        .map(
            f -> {
              byte[] bytes = new byte[f.content().readableBytes()];
              f.content().getBytes(f.content().readerIndex(), bytes);
              return bytes;
            });
  }

  private static reactor.core.publisher.Mono<Integer> closeStatus(WebsocketInbound in) {
    return in.receiveCloseStatus().map(s -> s.code());
  }
}
