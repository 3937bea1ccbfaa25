package dev.concord.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Many Gateway v10 WebSocket clients on a few Netty threads: each connects (from local addresses
 * 127.0.0.2, 127.0.0.3, ... so tens of thousands of connections fit the ephemeral port range),
 * identifies with its token on HELLO, and counts MESSAGE_CREATE frames without parsing JSON: it
 * searches the frame for the event name and for the publish time the load generator put in the
 * content ({@code "content":"L<nanos>"}), and samples the latency of every 8th frame.
 *
 * <p>Concurrency: counters are atomics; each connection's handler runs on its event loop.
 */
final class LoadClients implements AutoCloseable {
  private static final byte[] MESSAGE_CREATE = "\"t\":\"MESSAGE_CREATE\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HELLO = "\"op\":10".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] STAMP = "\"content\":\"L".getBytes(StandardCharsets.US_ASCII);
  static final int SAMPLES = 1 << 20;

  private final EventLoopGroup group;
  private final List<Channel> channels = new ArrayList<>();
  final AtomicLong deliveries = new AtomicLong();
  final AtomicLong lastDeliveryNanos = new AtomicLong();
  final AtomicLongArray latencySamples = new AtomicLongArray(SAMPLES);
  final AtomicLong sampled = new AtomicLong();
  private CountDownLatch ready;

  LoadClients(int threads) {
    group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
  }

  /** Connects one client per token to {@code url}; returns when all are READY with their guild (or after {@code timeoutSeconds}). */
  int connect(URI url, List<String> tokens, long intents, int timeoutSeconds) throws InterruptedException {
    ready = new CountDownLatch(tokens.size());
    Bootstrap b =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_REUSEADDR, true);
    for (int i = 0; i < tokens.size(); i++) {
      String identify =
          "{\"op\":2,\"d\":{\"token\":\"" + tokens.get(i) + "\",\"intents\":" + intents
              + ",\"properties\":{\"os\":\"linux\",\"browser\":\"concord-load\",\"device\":\"concord-load\"}}}";
      WebSocketClientHandshaker hs =
          WebSocketClientHandshakerFactory.newHandshaker(url, WebSocketVersion.V13, null, false, new DefaultHttpHeaders(), 1 << 20);
      Client handler = new Client(hs, identify);
      Channel ch =
          b.clone()
              .handler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                      c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), handler);
                    }
                  })
              .connect(new InetSocketAddress(url.getHost(), url.getPort()), new InetSocketAddress("127.0.0." + (2 + i / 20_000), 0))
              .sync()
              .channel();
      channels.add(ch);
      if (i % 500 == 499) {
        Thread.sleep(20); // spread the handshakes a little
      }
    }
    ready.await(timeoutSeconds, TimeUnit.SECONDS);
    return (int) (tokens.size() - ready.getCount());
  }

  private final class Client extends SimpleChannelInboundHandler<Object> {
    private final WebSocketClientHandshaker handshaker;
    private final String identify;
    private int dispatches;

    Client(WebSocketClientHandshaker handshaker, String identify) {
      this.handshaker = handshaker;
      this.identify = identify;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      handshaker.handshake(ctx.channel());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
      if (!handshaker.isHandshakeComplete()) {
        handshaker.finishHandshake(ctx.channel(), (FullHttpResponse) msg);
        return;
      }
      if (!(msg instanceof WebSocketFrame f) || msg instanceof CloseWebSocketFrame) {
        return;
      }
      ByteBuf c = f.content();
      if (dispatches == 0 && indexOf(c, HELLO) >= 0) {
        ctx.writeAndFlush(new TextWebSocketFrame(identify));
        return;
      }
      if (indexOf(c, MESSAGE_CREATE) >= 0) {
        long now = System.nanoTime();
        deliveries.incrementAndGet();
        lastDeliveryNanos.set(now);
        if ((deliveries.get() & 7) == 0) {
          int at = indexOf(c, STAMP);
          if (at >= 0) {
            long stamp = 0;
            for (int i = at + STAMP.length; i < c.writerIndex(); i++) {
              byte d = c.getByte(i);
              if (d < '0' || d > '9') {
                break;
              }
              stamp = stamp * 10 + (d - '0');
            }
            long k = sampled.getAndIncrement();
            if (k < SAMPLES) {
              latencySamples.set((int) k, now - stamp);
            }
          }
        }
        return;
      }
      if (indexOf(c, "\"t\":\"GUILD_CREATE\"".getBytes(StandardCharsets.US_ASCII)) >= 0) {
        dispatches++;
        ready.countDown();
      } else if (indexOf(c, "\"op\":0".getBytes(StandardCharsets.US_ASCII)) >= 0) {
        dispatches++;
      }
    }
  }

  private static int indexOf(ByteBuf buf, byte[] needle) {
    int end = buf.writerIndex() - needle.length;
    outer:
    for (int i = buf.readerIndex(); i <= end; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buf.getByte(i + j) != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  long[] latencies() {
    int n = (int) Math.min(sampled.get(), SAMPLES);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = latencySamples.get(i);
    }
    java.util.Arrays.sort(out);
    return out;
  }

  void reset() {
    deliveries.set(0);
    sampled.set(0);
  }

  @Override
  public void close() {
    for (Channel c : channels) {
      c.writeAndFlush(new CloseWebSocketFrame(1000, "bye"));
    }
    for (Channel c : channels) {
      c.close();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
