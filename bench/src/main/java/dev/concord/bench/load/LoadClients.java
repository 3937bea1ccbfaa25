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
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * Many Gateway v10 WebSocket clients on a few Netty threads: each connects (from local addresses
 * 127.0.0.2, 127.0.0.3, ... so tens of thousands of connections fit the ephemeral port range),
 * identifies with its token on HELLO, heartbeats at the interval HELLO gives (the first one after a
 * random part of it, each with the last {@code s} received, as Discord's clients do), and counts
 * MESSAGE_CREATE frames without parsing JSON: it searches the frame for the event name and for the
 * publish time the load generator put in the content ({@code "content":"L<nanos>"}), and records
 * the latency of every 8th frame in an HdrHistogram {@link Recorder} (interval histograms give
 * latency over time). Close codes from the server are counted.
 *
 * <p>Concurrency: counters are atomics or adders; each connection's handler runs on its event loop.
 */
final class LoadClients implements AutoCloseable {
  private static final byte[] MESSAGE_CREATE = "\"t\":\"MESSAGE_CREATE\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GUILD_CREATE = "\"t\":\"GUILD_CREATE\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HELLO = "\"op\":10".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] INTERVAL = "\"heartbeat_interval\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] STAMP = "\"content\":\"L".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SEQ = "\"s\":".getBytes(StandardCharsets.US_ASCII);
  /** Local addresses used: 127.0.0.2 onwards, this many connections each (ephemeral ports). */
  private static final int PER_ADDRESS = 20_000;

  private final EventLoopGroup group;
  private final ConcurrentLinkedQueue<Channel> channels = new ConcurrentLinkedQueue<>();
  final AtomicLong deliveries = new AtomicLong();
  final AtomicLong lastDeliveryNanos = new AtomicLong();
  /** Publish-to-receipt latency (ns) of every 8th frame. */
  final Recorder latency = new Recorder(3);
  final AtomicInteger identified = new AtomicInteger();
  final AtomicInteger failed = new AtomicInteger();
  private final Map<Integer, LongAdder> closeCodes = new ConcurrentHashMap<>();
  private volatile boolean closing;

  LoadClients(int threads) {
    group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
  }

  /**
   * Connects one client per token to {@code url}, at most {@code maxPending} handshakes at a
   * time; returns when every one is READY with its guild or has failed, or after {@code
   * timeoutSeconds}. {@code progress} gets the number settled so far, now and then.
   */
  int connect(URI url, List<String> tokens, long intents, int maxPending, int timeoutSeconds, IntConsumer progress)
      throws InterruptedException {
    return connect(url, tokens, null, intents, maxPending, timeoutSeconds, progress);
  }

  /** As above; client {@code i} is ready after {@code guildsPerClient[i]} GUILD_CREATEs (null: one). */
  int connect(URI url, List<String> tokens, int @Nullable [] guildsPerClient, long intents, int maxPending, int timeoutSeconds, IntConsumer progress)
      throws InterruptedException {
    CountDownLatch settled = new CountDownLatch(tokens.size());
    Semaphore pending = new Semaphore(maxPending);
    Bootstrap b =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_REUSEADDR, true);
    int before = identified.get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    for (int i = 0; i < tokens.size(); i++) {
      if (!pending.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        break;
      }
      String identify =
          "{\"op\":2,\"d\":{\"token\":\"" + tokens.get(i) + "\",\"intents\":" + intents
              + ",\"properties\":{\"os\":\"linux\",\"browser\":\"concord-load\",\"device\":\"concord-load\"}}}";
      WebSocketClientHandshaker hs =
          WebSocketClientHandshakerFactory.newHandshaker(url, WebSocketVersion.V13, null, false, new DefaultHttpHeaders(), 1 << 20);
      Runnable done = onceThen(() -> {
        pending.release();
        settled.countDown();
      });
      Client handler = new Client(hs, identify, guildsPerClient == null ? 1 : guildsPerClient[i], done);
      b.clone()
          .handler(
              new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel c) {
                  c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), handler);
                }
              })
          .connect(new InetSocketAddress(url.getHost(), url.getPort()), new InetSocketAddress("127.0.0." + (2 + i / PER_ADDRESS), 0))
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  channels.add(((io.netty.channel.ChannelFuture) f).channel());
                } else {
                  failed.incrementAndGet();
                  done.run();
                }
              });
      if ((i & 255) == 0) {
        progress.accept(tokens.size() - (int) settled.getCount());
      }
    }
    while (!settled.await(200, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
      progress.accept(tokens.size() - (int) settled.getCount());
    }
    progress.accept(tokens.size() - (int) settled.getCount());
    return identified.get() - before;
  }

  private static Runnable onceThen(Runnable r) {
    java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (ran.compareAndSet(false, true)) {
        r.run();
      }
    };
  }

  private final class Client extends SimpleChannelInboundHandler<Object> {
    private final WebSocketClientHandshaker handshaker;
    private final String identify;
    private final Runnable settled;
    private int guildsToCome;
    private boolean ready;
    private ScheduledFuture<?> heartbeat;
    /** The last {@code s} received: heartbeats carry it, as Discord's clients do. */
    private long seq;

    Client(WebSocketClientHandshaker handshaker, String identify, int guilds, Runnable settled) {
      this.handshaker = handshaker;
      this.identify = identify;
      this.guildsToCome = guilds;
      this.settled = settled;
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
      if (msg instanceof CloseWebSocketFrame close) {
        closeCodes.computeIfAbsent(close.statusCode(), c -> new LongAdder()).increment();
        return;
      }
      if (!(msg instanceof WebSocketFrame f)) {
        return;
      }
      ByteBuf c = f.content();
      long s = number(c, SEQ); // dispatches start {"op":0,"s":
      if (s > seq) {
        seq = s;
      }
      if (ready && indexOf(c, MESSAGE_CREATE) >= 0) {
        long now = System.nanoTime();
        long n = deliveries.incrementAndGet();
        lastDeliveryNanos.set(now);
        if ((n & 7) == 0) {
          long stamp = number(c, STAMP);
          if (stamp > 0) {
            latency.recordValue(Math.max(0, now - stamp));
          }
        }
        return;
      }
      if (!ready && heartbeat == null && indexOf(c, HELLO) >= 0) {
        ctx.writeAndFlush(new TextWebSocketFrame(identify));
        long interval = Math.max(1_000, number(c, INTERVAL));
        heartbeat =
            ctx.executor()
                .scheduleAtFixedRate(
                    () -> ctx.writeAndFlush(new TextWebSocketFrame("{\"op\":1,\"d\":" + (seq == 0 ? "null" : Long.toString(seq)) + "}")),
                    (long) (interval * java.util.concurrent.ThreadLocalRandom.current().nextDouble()),
                    interval,
                    TimeUnit.MILLISECONDS);
        return;
      }
      if (!ready && indexOf(c, GUILD_CREATE) >= 0 && --guildsToCome <= 0) {
        ready = true;
        identified.incrementAndGet();
        settled.run();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (heartbeat != null) {
        heartbeat.cancel(false);
      }
      if (!ready) {
        failed.incrementAndGet();
      } else if (!closing) {
        closeCodes.computeIfAbsent(-1, c -> new LongAdder()).increment(); // dropped by the server
      }
      settled.run();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** The decimal number right after {@code key} in {@code buf} (0 if none). */
  private static long number(ByteBuf buf, byte[] key) {
    int at = indexOf(buf, key);
    if (at < 0) {
      return 0;
    }
    long v = 0;
    for (int i = at + key.length; i < buf.writerIndex(); i++) {
      byte d = buf.getByte(i);
      if (d < '0' || d > '9') {
        break;
      }
      v = v * 10 + (d - '0');
    }
    return v;
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

  /** The latency recorded since the last call (and resets it). */
  Histogram interval() {
    return latency.getIntervalHistogram();
  }

  /** Close codes received (and -1: connections the server dropped without one). */
  Map<Integer, Long> closeCodes() {
    Map<Integer, Long> out = new TreeMap<>();
    closeCodes.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  void reset() {
    deliveries.set(0);
    latency.reset();
  }

  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    for (Channel c : channels) {
      c.writeAndFlush(new CloseWebSocketFrame(1000, "bye"));
    }
    for (Channel c : channels) {
      c.close();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
