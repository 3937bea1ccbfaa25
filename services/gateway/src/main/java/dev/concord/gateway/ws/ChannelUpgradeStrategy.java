package dev.concord.gateway.ws;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.adapter.ReactorNettyWebSocketSession;
import org.springframework.web.reactive.socket.server.RequestUpgradeStrategy;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * WebFlux's Reactor Netty upgrade, producing a {@link ChannelWebSocketSession} that exposes the
 * socket's Netty {@link Channel}: the gateway takes the handshake from WebFlux and writes frames on
 * the channel itself (see {@link ClientConnection}).
 */
public final class ChannelUpgradeStrategy implements RequestUpgradeStrategy {
  private final Supplier<WebsocketServerSpec.Builder> spec;

  public ChannelUpgradeStrategy(Supplier<WebsocketServerSpec.Builder> spec) {
    this.spec = spec;
  }

  @Override
  public Mono<Void> upgrade(
      ServerWebExchange exchange,
      WebSocketHandler handler,
      @Nullable String subProtocol,
      Supplier<HandshakeInfo> handshakeInfoFactory) {
    ServerHttpResponse response = exchange.getResponse();
    HttpServerResponse reactorResponse = ServerHttpResponseDecorator.getNativeResponse(response);
    HandshakeInfo info = handshakeInfoFactory.get();
    NettyDataBufferFactory buffers = (NettyDataBufferFactory) response.bufferFactory();
    WebsocketServerSpec.Builder b = spec.get();
    if (subProtocol != null) {
      b.protocols(subProtocol);
    }
    WebsocketServerSpec built = b.build();
    return response
        .setComplete()
        .then(
            Mono.defer(
                () ->
                    reactorResponse.sendWebsocket(
                        (in, out) ->
                            handler.handle(
                                new ChannelWebSocketSession(in, out, info, buffers, built.maxFramePayloadLength())),
                        built)));
  }

  /** A Reactor Netty WebSocket session that tells its channel. */
  public static final class ChannelWebSocketSession extends ReactorNettyWebSocketSession {
    ChannelWebSocketSession(
        WebsocketInbound in, WebsocketOutbound out, HandshakeInfo info, NettyDataBufferFactory buffers, int maxFrame) {
      super(in, out, info, buffers, maxFrame);
    }

    public Channel channel() {
      AtomicReference<Channel> ref = new AtomicReference<>();
      getDelegate().getInbound().withConnection(c -> ref.set(c.channel()));
      return ref.get();
    }
  }
}
