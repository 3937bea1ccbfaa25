package dev.concord.gateway.ws;

import dev.concord.gateway.config.GatewayProperties;
import dev.concord.gateway.link.SessionLinks;
import dev.concord.protocol.CloseCode;
import dev.concord.protocol.TokenVerifier;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.channel.ChannelFutureListener;
import java.net.URI;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Mono;

/**
 * Takes the WebSocket handshake from WebFlux, then hands the socket's Netty channel to a {@link
 * ClientConnection}, which does all writes itself (see its javadoc for why). Query parameters are
 * checked first: {@code v} other than 10 closes with 4012, an encoding other than json or a
 * compression other than zlib-stream with 4002.
 */
public final class GatewayWebSocketHandler implements WebSocketHandler {
  private final GatewayProperties props;
  private final TokenVerifier tokens;
  private final SessionLinks links;
  private final AtomicLong ids = new AtomicLong();
  private final ConcurrentHashMap<Long, ClientConnection> open = new ConcurrentHashMap<>();
  private volatile boolean draining;

  private final SessionStartLimit startLimit;

  public GatewayWebSocketHandler(GatewayProperties props, TokenVerifier tokens, SessionStartLimit startLimit, SessionLinks links) {
    this.startLimit = startLimit;
    this.props = props;
    this.tokens = tokens;
    this.links = links;
  }

  public int openConnections() {
    return open.size();
  }

  /** From now on, new connections are asked to reconnect elsewhere at once. */
  void startDraining() {
    draining = true;
  }

  /** The connections open right now (for draining). */
  public java.util.Collection<ClientConnection> connections() {
    return open.values();
  }

  @Override
  public Mono<Void> handle(WebSocketSession session) {
    if (!(session instanceof ChannelUpgradeStrategy.ChannelWebSocketSession netty)) {
      return session.close(CloseStatus.SERVER_ERROR.withReason("unsupported server"));
    }
    Channel channel = netty.channel();
    URI uri = session.getHandshakeInfo().getUri();
    var query = UriComponentsBuilder.fromUri(uri).build().getQueryParams();
    String v = query.getFirst("v");
    String encoding = query.getFirst("encoding");
    String compress = query.getFirst("compress");
    if (v != null && !v.equals("10")) {
      return closeAtOnce(channel, CloseCode.INVALID_API_VERSION.code(), "invalid API version (expected: 10)");
    }
    if (encoding != null && !encoding.equals("json")) {
      return closeAtOnce(channel, CloseCode.DECODE_ERROR.code(), "unsupported encoding (expected: json)");
    }
    if (compress != null && !compress.isEmpty() && !compress.equals("zlib-stream")) {
      return closeAtOnce(channel, CloseCode.DECODE_ERROR.code(), "unsupported compression (expected: zlib-stream)");
    }
    ClientConnection conn =
        new ClientConnection(ids.incrementAndGet(), channel, props, tokens, startLimit, links, "zlib-stream".equals(compress));
    open.put(conn.id(), conn);
    conn.start();
    if (draining) {
      conn.requestReconnect();
    }
    Mono<Void> inbound =
        session
            .receive()
            .doOnNext(
                m -> {
                  DataBuffer buf = m.getPayload();
                  byte[] bytes = new byte[buf.readableByteCount()];
                  buf.read(bytes);
                  conn.onFrame(bytes);
                })
            .then();
    return inbound
        .onErrorResume(e -> Mono.empty())
        .then(session.closeStatus().map(CloseStatus::getCode).defaultIfEmpty(1006).onErrorReturn(1006))
        .doOnNext(conn::onSocketClosed)
        .doFinally(s -> open.remove(conn.id()))
        .then();
  }

  private static Mono<Void> closeAtOnce(Channel channel, int code, String reason) {
    channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
    return Mono.empty();
  }
}
