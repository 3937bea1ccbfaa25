package dev.concord.gateway.ws;

import dev.concord.gateway.config.GatewayProperties;
import dev.concord.gateway.link.SessionLinks;
import dev.concord.protocol.CloseCode;
import dev.concord.gateway.auth.AccountTokens;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Takes a client's upgraded WebSocket (from {@link GatewayWebSocketRoutes} on the HTTP server, or
 * from WebFlux when those are off), then hands the socket's Netty channel to a {@link
 * ClientConnection}, which does all writes itself (see its javadoc for why). Query parameters are
 * checked first: {@code v} other than 10 closes with 4012, an encoding other than json or a
 * compression other than zlib-stream or zstd-stream with 4002.
 */
public final class GatewayWebSocketHandler implements WebSocketHandler {
  private final GatewayProperties props;
  private final AccountTokens tokens;
  private final SessionLinks links;
  private final AtomicLong ids = new AtomicLong();
  private final ConcurrentHashMap<Long, ClientConnection> open = new ConcurrentHashMap<>();
  private final WriteBudget budget;
  private volatile boolean draining;

  private final SessionStartLimit startLimit;

  public GatewayWebSocketHandler(GatewayProperties props, AccountTokens tokens, SessionStartLimit startLimit, SessionLinks links) {
    this.budget = WriteBudget.ofHeapPercent(props.writeBudgetHeapPercent());
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

  /** The WebFlux way in (when the direct route is off): the same as {@link #serve}. */
  @Override
  public Mono<Void> handle(WebSocketSession session) {
    if (!(session instanceof ChannelUpgradeStrategy.ChannelWebSocketSession netty)) {
      return session.close(CloseStatus.SERVER_ERROR.withReason("unsupported server"));
    }
    Flux<byte[]> frames =
        session
            .receive()
            .map(
                m -> {
                  DataBuffer buf = m.getPayload();
                  byte[] bytes = new byte[buf.readableByteCount()];
                  buf.read(bytes);
                  return bytes;
                });
    return serve(netty.channel(), session.getHandshakeInfo().getUri().toString(), frames, session.closeStatus().map(CloseStatus::getCode));
  }

  /**
   * One client socket, however it was upgraded: {@code uri} is the request's (its query checked
   * here), {@code frames} the payloads of its data frames, {@code closeStatus} the code it closed
   * with (empty or failing: 1006). Completes when the socket is closed.
   */
  Mono<Void> serve(Channel channel, String uri, Flux<byte[]> frames, Mono<Integer> closeStatus) {
    Map<String, List<String>> query;
    try {
      query = new QueryStringDecoder(uri).parameters();
    } catch (IllegalArgumentException malformed) {
      return closeAtOnce(channel, CloseCode.DECODE_ERROR.code(), "malformed query");
    }
    String v = first(query, "v");
    String encoding = first(query, "encoding");
    String compress = first(query, "compress");
    if (v != null && !v.equals("10")) {
      return closeAtOnce(channel, CloseCode.INVALID_API_VERSION.code(), "invalid API version (expected: 10)");
    }
    if (encoding != null && !encoding.equals("json")) {
      return closeAtOnce(channel, CloseCode.DECODE_ERROR.code(), "unsupported encoding (expected: json)");
    }
    StreamCompressor.Kind compression;
    try {
      compression = StreamCompressor.Kind.parse(compress);
    } catch (IllegalArgumentException e) {
      return closeAtOnce(channel, CloseCode.DECODE_ERROR.code(), e.getMessage());
    }
    ClientConnection conn =
        new ClientConnection(
            ids.incrementAndGet(),
            channel,
            props,
            tokens,
            startLimit,
            links,
            budget,
            StreamCompressor.create(compression, new StreamCompressor.ZstdSettings(props.zstdLevel(), props.zstdWindowLog())));
    open.put(conn.id(), conn);
    budget.connectionsChanged(open.size());
    conn.start();
    if (draining) {
      conn.requestReconnect();
    }
    return frames
        .doOnNext(conn::onFrame)
        .then()
        .onErrorResume(
            e -> {
              conn.onInboundError(e); // e.g. a fragmented message past the cap: 4002, not a hang
              return Mono.empty();
            })
        .then(closeStatus.defaultIfEmpty(1006).onErrorReturn(1006))
        .doOnNext(conn::onSocketClosed)
        .doFinally(
            s -> {
              open.remove(conn.id());
              budget.connectionsChanged(open.size());
            })
        .then();
  }

  /** One socket as introspection shows it. */
  public record SocketView(long connection, String user, long pendingWriteBytes) {}

  /** The {@code top} sockets with the most bytes not yet sent (introspection; O(connections)). */
  public java.util.List<SocketView> slowest(int top) {
    java.util.PriorityQueue<SocketView> heap = new java.util.PriorityQueue<>(java.util.Comparator.comparingLong(SocketView::pendingWriteBytes));
    for (ClientConnection c : open.values()) {
      heap.add(new SocketView(c.id(), Long.toUnsignedString(c.userId()), c.pendingWriteBytes()));
      if (heap.size() > top) {
        heap.poll();
      }
    }
    java.util.List<SocketView> out = new java.util.ArrayList<>(heap);
    out.sort(java.util.Comparator.comparingLong(SocketView::pendingWriteBytes).reversed());
    return out;
  }

  /**
   * Closes (4004) this pod's sockets of {@code userId} that identified with a token below {@code
   * version}; answers how many. O(open connections): revocations are rare (logouts).
   */
  public int revoke(long userId, int version) {
    int closed = 0;
    for (ClientConnection c : open.values()) {
      if (c.userId() == userId && c.revoke(version)) {
        closed++;
      }
    }
    return closed;
  }

  private static @Nullable String first(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.getFirst();
  }

  private static Mono<Void> closeAtOnce(Channel channel, int code, String reason) {
    channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
    return Mono.empty();
  }
}
