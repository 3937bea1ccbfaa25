package dev.concord.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
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
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The benchmark's HTTP client: a fixed set of keep-alive HTTP/1.1 connections on one event-loop
 * thread, one request in flight per connection, the answer's status handed to a callback on that
 * thread (the body is skipped). As lean as gRPC's own client, so that the REST-vs-gRPC ratio
 * measures the servers rather than the harness (a general-purpose reactive client with a blocking
 * call per request cost the machine about as much CPU as the gateway's REST handling itself).
 */
public final class KeepAliveHttpClient implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final List<Connection> connections = new ArrayList<>();
  private final String host;
  private final String auth;

  public KeepAliveHttpClient(URI base, String auth, int connections) throws InterruptedException {
    if (!"http".equals(base.getScheme()) || base.getPort() < 0) {
      throw new IllegalArgumentException("expected http://host:port (no TLS here), got " + base);
    }
    this.host = base.getHost() + ":" + base.getPort();
    this.auth = auth;
    Bootstrap b =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    Connection c = new Connection();
                    ch.pipeline().addLast(new HttpClientCodec(), c);
                  }
                });
    try {
      for (int i = 0; i < connections; i++) {
        Channel ch = b.connect(base.getHost(), base.getPort()).sync().channel();
        Connection c = ch.pipeline().get(Connection.class);
        c.channel = ch;
        this.connections.add(c);
      }
    } catch (Throwable t) { // sync() rethrows a failed connect's cause as it is, checked or not
      close(); // the event-loop thread would keep the JVM alive
      throw t;
    }
  }

  /**
   * POSTs {@code body} (JSON) to {@code path} on connection {@code slot}, which must have no
   * request in flight; {@code done} gets the status, or -1 if the connection failed.
   */
  public void post(int slot, String path, byte[] body, IntConsumer done) {
    post(slot, path, auth, body, done);
  }

  /** As {@link #post(int, String, byte[], IntConsumer)}, with this request's own {@code Authorization}. */
  public void post(int slot, String path, String auth, byte[] body, IntConsumer done) {
    Connection c = connections.get(slot);
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, Unpooled.wrappedBuffer(body));
    req.headers()
        .set(HttpHeaderNames.HOST, host)
        .set(HttpHeaderNames.AUTHORIZATION, auth)
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    c.done = done;
    c.channel.writeAndFlush(req).addListener(f -> {
      if (!f.isSuccess()) {
        c.fail();
      }
    });
  }

  @Override
  public void close() {
    connections.forEach(c -> c.channel.close());
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static final class Connection extends SimpleChannelInboundHandler<HttpObject> {
    Channel channel;
    volatile IntConsumer done;
    private int status;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg instanceof HttpResponse r) {
        status = r.status().code();
      }
      if (msg instanceof LastHttpContent) {
        IntConsumer d = done;
        done = null;
        if (d != null) {
          d.accept(status);
        }
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      fail();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
      if (!(cause instanceof IOException)) {
        fail();
      }
    }

    void fail() {
      IntConsumer d = done;
      done = null;
      if (d != null) {
        d.accept(-1);
      }
    }
  }
}
