package dev.concord.gateway.ws;

import dev.concord.protocol.CloseCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

/**
 * Frames past the WebSocket layer's own cap (64 KiB, far above the protocol's 4096 bytes) are
 * refused by Netty's frame decoder from their header, before their payload is read, with a close
 * frame 1009. Discord clients expect 4002 for any oversized payload whatever its size, so this
 * handler, between the frame encoder and decoder, turns that one close frame into 4002 with the
 * protocol's reason. The decoder's early refusal (no buffering of a 1 MB frame) is kept.
 */
final class OversizeFrames extends ChannelOutboundHandlerAdapter {
  static final String NAME = "concord.oversizeFrames";
  private static final String ENCODER = "wsencoder";

  private static final java.time.Duration LINGER = java.time.Duration.ofSeconds(1);
  private final int maxFrameBytes;

  private OversizeFrames(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * What an inbound stream error means: a payload past a cap ({@code oversize}: the decoder's 1009
   * or the aggregator's too-long message), and whether Netty's frame decoder already wrote its own
   * close frame ({@code decoderClosed}: every WebSocket protocol violation).
   */
  record Inbound(boolean oversize, boolean decoderClosed) {}

  static Inbound classify(Throwable e) {
    boolean oversize = false;
    boolean decoderClosed = false;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException c) {
        decoderClosed = true;
        oversize |= c.closeStatus() != null && c.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code();
      }
      oversize |= t instanceof io.netty.handler.codec.TooLongFrameException;
    }
    return new Inbound(oversize, decoderClosed);
  }

  /** On the channel's event loop, once the upgrade is done. No-op if the pipeline is not the expected one. */
  static void install(Channel channel, int maxFrameBytes) {
    var p = channel.pipeline();
    if (p.get(ENCODER) != null && p.get(NAME) == null) {
      p.addAfter(ENCODER, NAME, new OversizeFrames(maxFrameBytes));
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof CloseWebSocketFrame close && close.statusCode() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()) {
      close.release();
      // The decoder closes the socket once this write completes. Closing at once, with the rest
      // of the big frame still arriving unread, makes the kernel answer with a reset, and the
      // client loses the close frame with it. So the decoder hears of the write LINGER later,
      // while it keeps reading (and discarding) what the client still sends.
      ChannelPromise written = ctx.newPromise();
      written.addListener(
          f -> ctx.executor().schedule(() -> promise.trySuccess(), LINGER.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
      ctx.write(
          new CloseWebSocketFrame(CloseCode.DECODE_ERROR.code(), "frame too large (max " + maxFrameBytes + " bytes)"), written);
      return;
    }
    ctx.write(msg, promise);
  }
}
