package dev.concord.gateway.ws;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.springframework.boot.reactor.netty.NettyRouteProvider;
import reactor.core.publisher.Flux;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
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
  private final ConnectionAdmission admission;

  public GatewayWebSocketRoutes(
      GatewayWebSocketHandler handler, Supplier<WebsocketServerSpec.Builder> spec, ConnectionAdmission admission) {
    this.handler = handler;
    this.spec = spec;
    this.admission = admission;
  }

  @Override
  public HttpServerRoutes apply(HttpServerRoutes routes) {
    WebsocketServerSpec built = spec.get().build();
    int maxFrame = built.maxFramePayloadLength();
    return routes.route(
        GatewayWebSocketRoutes::isGatewayUpgrade,
        (req, res) -> {
          String address = addressOf(req);
          StreamCompressor.Kind compression = StreamCompressor.Kind.ofUri(req.uri());
          ConnectionAdmission.Refusal refused = admission.admit(address, compression);
          if (refused != null) {
            String why =
                switch (refused) {
                  case POD_FULL -> "this gateway has all the connections it takes; retry (another pod may take it)";
                  case ADDRESS_FULL -> "too many connections from your address";
                  case COMPRESSION_MEMORY -> "this gateway has no memory left for compressed connections; retry, or connect without compress";
                };
            return res.status(HttpResponseStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaderNames.RETRY_AFTER, "5")
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(reactor.core.publisher.Mono.just("{\"message\":\"" + why + "\",\"code\":0,\"retry_after\":5,\"global\":false}"))
                .then();
          }
          // the slot is the TCP connection's: given back when it closes, however the upgrade went
          res.withConnection(c -> c.onDispose(() -> admission.release(address, compression)));
          return res.sendWebsocket(
              (in, out) -> {
                String uri = req.uri();
                forgetHandshakeHeaders(req, res);
                return handler.serve(channelOf(in), uri, frames(in, maxFrame), closeStatus(in));
              },
              built);
        });
  }

  /**
   * The upgrade is answered: nothing reads its request or response headers again, yet the
   * socket's operations object keeps both for the socket's life. A heap histogram of 5 000 idle
   * bench clients showed 8 header entries, their names and values held per socket (~0.7 KB; a
   * browser sends more: user agent, cookies, languages); cleared here.
   */
  static void forgetHandshakeHeaders(HttpServerRequest req, HttpServerResponse res) {
    req.requestHeaders().clear();
    res.responseHeaders().clear();
  }

  private static String addressOf(HttpServerRequest req) {
    java.net.InetSocketAddress a = req.remoteAddress();
    if (a == null) {
      return "?";
    }
    return a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
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
