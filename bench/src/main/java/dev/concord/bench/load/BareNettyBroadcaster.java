package dev.concord.bench.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * The baseline of {@code make bench-load}: a bare Netty WebSocket server speaking just enough of
 * Gateway v10 (HELLO; any IDENTIFY gets READY and one GUILD_CREATE) and broadcasting MESSAGE_CREATE
 * the cheapest way the brief describes: per connection a small pooled header + {@code s} prefix,
 * then the shared rest of the frame (payload and closing brace, one direct copy) by reference (a
 * retained duplicate), written as raw WebSocket frame bytes on the connection's event loop, one
 * flush per connection per event-loop pass. What the
 * box can deliver; Concord's gateway is measured against it in the same run. Publishes come from
 * another process as {@code POST /publish} on the same port.
 *
 * <p>Concurrency: each connection's state (its {@code s}) is touched only on its event loop; the
 * registry of connections per loop is a concurrent map.
 */
final class BareNettyBroadcaster implements AutoCloseable {
  private static final byte[] SUFFIX = "}".getBytes(StandardCharsets.US_ASCII);

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
  /** guild → event loop → its identified connections in that guild. */
  private final Map<Long, Map<EventLoop, List<Conn>>> byGuild = new ConcurrentHashMap<>();
  private final Channel server;

  private static final class Conn {
    final Channel channel;
    long seq;

    Conn(Channel channel) {
      this.channel = channel;
    }
  }

  BareNettyBroadcaster(String host, int port) throws InterruptedException {
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new WebSocketServerProtocolHandler("/", null, true, 65536))
                        .addLast(new Publish(), new Protocol());
                  }
                })
            .bind(host, port)
            .sync()
            .channel();
  }

  int port() {
    return ((java.net.InetSocketAddress) server.localAddress()).getPort();
  }

  private final class Protocol extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    private Conn conn;
    private long[] guilds = {1};

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
        ctx.writeAndFlush(new TextWebSocketFrame("{\"op\":10,\"d\":{\"heartbeat_interval\":41250},\"s\":null,\"t\":null}"));
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
      String text = frame.text();
      if (text.contains("\"op\":2") && conn == null) {
        conn = new Conn(ctx.channel());
        guilds = guildsOf(text);
        conn.seq = 1;
        ctx.write(new TextWebSocketFrame("{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"v\":10,\"session_id\":\"x\",\"guilds\":[]}}"));
        for (long g : guilds) {
          ctx.write(new TextWebSocketFrame("{\"op\":0,\"s\":" + (++conn.seq) + ",\"t\":\"GUILD_CREATE\",\"d\":{\"id\":\"" + g + "\",\"channels\":[],\"members\":[]}}"));
          byGuild.computeIfAbsent(g, x -> new ConcurrentHashMap<>())
              .computeIfAbsent(ctx.channel().eventLoop(), l -> new java.util.concurrent.CopyOnWriteArrayList<>())
              .add(conn);
        }
        ctx.flush();
      } else if (text.contains("\"op\":1")) {
        ctx.writeAndFlush(new TextWebSocketFrame("{\"op\":11}"));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (conn != null) {
        for (long g : guilds) {
          List<Conn> l = byGuild.getOrDefault(g, Map.of()).get(ctx.channel().eventLoop());
          if (l != null) {
            l.remove(conn);
          }
        }
      }
    }
  }

  /**
   * The guilds a token names: {@code "<anything>:g1.g2.g3"} (the load generator's mixed scenario
   * tells the baseline its memberships this way), else guild 1 alone.
   */
  static long[] guildsOf(String identify) {
    int at = identify.indexOf("\"token\":\"");
    int end = at < 0 ? -1 : identify.indexOf('"', at + 9);
    String token = end < 0 ? "" : identify.substring(at + 9, end);
    int colon = token.indexOf(':');
    if (colon < 0) {
      return new long[] {1};
    }
    return java.util.Arrays.stream(token.substring(colon + 1).split("\\.")).mapToLong(Long::parseLong).toArray();
  }

  /**
   * {@code POST /publish[?guild=g]} with the {@code d} object as its body (what a load generator in another
   * process uses): broadcast, answered 204 once every event loop has written it.
   */
  private final class Publish extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    public boolean acceptInboundMessage(Object msg) {
      return msg instanceof FullHttpRequest r && r.method() == HttpMethod.POST && r.uri().startsWith("/publish");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      byte[] d = new byte[req.content().readableBytes()];
      req.content().readBytes(d);
      int q = req.uri().indexOf("guild=");
      CountDownLatch done = broadcast(d, q < 0 ? 1 : Long.parseLong(req.uri().substring(q + 6)));
      Thread.startVirtualThread(
          () -> {
            try {
              done.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            ctx.writeAndFlush(resp);
          });
    }
  }

  /** Sends one MESSAGE_CREATE with {@code d} to every identified connection in {@code guild}; the latch counts loops done. */
  CountDownLatch broadcast(byte[] d, long guild) {
    List<Map.Entry<EventLoop, List<Conn>>> loops = new ArrayList<>(byGuild.getOrDefault(guild, Map.of()).entrySet());
    CountDownLatch done = new CountDownLatch(loops.size());
    // the rest of every frame after its prefix: d and the closing brace, one direct copy
    ByteBuf shared = Unpooled.directBuffer(d.length + SUFFIX.length).writeBytes(d).writeBytes(SUFFIX);
    for (Map.Entry<EventLoop, List<Conn>> e : loops) {
      ByteBuf mine = shared.retainedDuplicate();
      e.getKey()
          .execute(
              () -> {
                try {
                  for (Conn c : e.getValue()) {
                    c.channel.write(head(c.channel.alloc(), ++c.seq, mine.readableBytes()), c.channel.voidPromise());
                    c.channel.write(mine.retainedDuplicate(), c.channel.voidPromise());
                  }
                  scheduleFlush(e.getKey(), e.getValue());
                } finally {
                  mine.release();
                  done.countDown();
                }
              });
    }
    shared.release();
    return done;
  }

  private static final byte[] OP0 = "{\"op\":0,\"s\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TD = ",\"t\":\"MESSAGE_CREATE\",\"d\":".getBytes(StandardCharsets.US_ASCII);

  /** The WebSocket header and the {@code {"op":0,"s":N,"t":"MESSAGE_CREATE","d":} prefix, in one pooled buffer. */
  private static ByteBuf head(io.netty.buffer.ByteBufAllocator alloc, long seq, int restBytes) {
    int digits = Long.toString(seq).length();
    int len = OP0.length + digits + TD.length + restBytes;
    ByteBuf h = alloc.directBuffer(10 + OP0.length + digits + TD.length);
    h.writeByte(0x81);
    if (len < 126) {
      h.writeByte(len);
    } else if (len < 65536) {
      h.writeByte(126).writeShort(len);
    } else {
      h.writeByte(127).writeLong(len);
    }
    h.writeBytes(OP0);
    h.writeCharSequence(Long.toString(seq), StandardCharsets.US_ASCII);
    h.writeBytes(TD);
    return h;
  }

  private final Map<EventLoop, java.util.concurrent.atomic.AtomicBoolean> flushPending = new ConcurrentHashMap<>();

  /**
   * One flush per connection per event-loop pass: broadcasts queued on the loop before this task
   * runs are written first, so a burst costs one socket write per connection, not one per frame.
   */
  private void scheduleFlush(EventLoop loop, List<Conn> conns) {
    java.util.concurrent.atomic.AtomicBoolean pending = flushPending.computeIfAbsent(loop, l -> new java.util.concurrent.atomic.AtomicBoolean());
    if (pending.compareAndSet(false, true)) {
      loop.execute(
          () -> {
            pending.set(false);
            for (Conn c : conns) {
              c.channel.flush();
            }
          });
    }
  }

  @Override
  public void close() {
    server.close();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
  }
}
