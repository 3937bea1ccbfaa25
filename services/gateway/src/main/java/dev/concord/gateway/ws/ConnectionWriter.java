package dev.concord.gateway.ws;

import com.google.protobuf.ByteString;
import dev.concord.protocol.DispatchFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import org.jspecify.annotations.Nullable;

/**
 * The outbound half of one client socket: every frame the gateway sends it, written on the
 * socket's event loop without flushing (the {@link LoopFlusher} flushes once per loop pass), in
 * the order written.
 *
 * <ul>
 *   <li>Uncompressed dispatches with a shared payload go out pre-encoded ({@link PreEncodedFrames}):
 *       written from the frame encoder's position in the pipeline, so the encoder never runs and
 *       the payload is never copied.
 *   <li>Other frames (HELLO, ACK, control frames) go through Netty's encoder as text frames.
 *   <li>With zlib-stream or zstd-stream every frame goes through the connection's one compressor, as a binary
 *       frame.
 * </ul>
 *
 * <p>Bound: when more than {@code writeBufferBytes} wait unsent for longer than {@code grace}, or
 * four times as many at any moment, or more outbound entries (a pre-encoded frame is two) than its
 * share of the gateway's {@link WriteBudget} (a client that does not read, or reads slower than it
 * is sent to), {@code onTooSlow} runs (the connection closes, resumable) instead of memory
 * growing. The grace lets a burst drain that a reading client takes in a moment: a RESUME's replay
 * arrives in one piece and may be larger than the buffer (it is bounded by the replay buffer).
 *
 * <p>Concurrency: confined to the socket's event loop.
 */
final class ConnectionWriter {

  private final Channel channel;
  // zlib-stream or zstd-stream (null: uncompressed, the pre-encoded path)
  private final @Nullable StreamCompressor compressor;
  private final int writeBufferBytes;
  private final long graceNanos;
  /** Since when more than writeBufferBytes wait unsent (0: not now), as last seen at a write. */
  private long overSince;

  private long lastOverCheck;
  private final java.util.function.LongSupplier nanoTime;
  private final WriteBudget budget;
  private final Runnable onTooSlow;
  private @Nullable ChannelHandlerContext encoderContext;
  private boolean dirty;
  /** Outbound entries written since the last flush (Netty counts only flushed ones). */
  private int unflushed;

  ConnectionWriter(
      Channel channel,
      @Nullable StreamCompressor compressor,
      int writeBufferBytes,
      java.time.Duration grace,
      WriteBudget budget,
      Runnable onTooSlow) {
    this(channel, compressor, writeBufferBytes, grace, budget, onTooSlow, System::nanoTime);
  }

  /** As above, on {@code nanoTime}'s clock (tests). */
  ConnectionWriter(
      Channel channel,
      @Nullable StreamCompressor compressor,
      int writeBufferBytes,
      java.time.Duration grace,
      WriteBudget budget,
      Runnable onTooSlow,
      java.util.function.LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.channel = channel;
    this.graceNanos = grace.toNanos();
    this.compressor = compressor;
    this.writeBufferBytes = writeBufferBytes;
    this.budget = budget;
    this.onTooSlow = onTooSlow;
  }

  void write(byte[] frame) {
    write(Unpooled.wrappedBuffer(frame));
  }

  void write(ByteString frame) {
    write(Unpooled.wrappedBuffer(frame.asReadOnlyByteBuffer()));
  }

  /** A whole frame's text; takes ownership of {@code frame}. */
  void write(ByteBuf frame) {
    if (!channel.isActive()) {
      frame.release();
      return;
    }
    if (compressor != null) {
      byte[] raw = new byte[frame.readableBytes()];
      frame.readBytes(raw);
      frame.release();
      channel.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(compressor.compress(raw))), channel.voidPromise());
    } else {
      channel.write(new TextWebSocketFrame(frame), channel.voidPromise());
    }
    afterWrite();
  }

  /**
   * A dispatch {@code prefix(seq, type) + rest} where {@code rest} (the payload and its closing
   * {@code "}"}) is shared with other connections (not released here: the caller keeps its
   * reference).
   */
  void writeShared(long seq, String type, ByteBuf rest) {
    ChannelHandlerContext ctx = compressor == null && channel.isActive() ? encoderContext() : null;
    if (ctx == null) {
      write(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(DispatchFrame.prefix(seq, type)), rest.retainedDuplicate()));
      return;
    }
    // two messages, one after the other on this loop: nothing can come between them
    ctx.write(PreEncodedFrames.header(channel.alloc(), seq, type, rest.readableBytes()), channel.voidPromise());
    ctx.write(rest.retainedDuplicate(), channel.voidPromise());
    unflushed++; // two outbound entries for this frame
    afterWrite();
  }

  /** The connection is closed: frees the compressor. */
  void close() {
    if (compressor != null) {
      compressor.close();
    }
  }

  private @Nullable ChannelHandlerContext encoderContext() {
    ChannelHandlerContext ctx = encoderContext;
    if (ctx == null || ctx.isRemoved()) {
      ctx = channel.pipeline().context(WebSocketFrameEncoder.class);
      encoderContext = ctx;
    }
    return ctx;
  }

  private void afterWrite() {
    unflushed++;
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    if (out != null && tooSlow(out.totalPendingWriteBytes(), out.size() + unflushed)) {
      onTooSlow.run();
      return;
    }
    LoopFlusher.add(channel.eventLoop(), this);
  }

  private boolean tooSlow(long pendingBytes, long entries) {
    if (entries > budget.entriesPerConnection() || pendingBytes > 4L * writeBufferBytes) {
      return true;
    }
    if (pendingBytes <= writeBufferBytes) {
      overSince = 0;
      return false;
    }
    long now = nanoTime.getAsLong();
    // seen over the bound only long ago: it may have drained in between (writes are what we see)
    if (overSince == 0 || now - lastOverCheck > graceNanos) {
      overSince = now;
    }
    lastOverCheck = now;
    return now - overSince > graceNanos;
  }

  /** For {@link LoopFlusher}: true if this writer was not yet due a flush. */
  boolean markDirty() {
    if (dirty) {
      return false;
    }
    dirty = true;
    return true;
  }

  /** For {@link LoopFlusher}, in its pass. */
  void flushDirty() {
    dirty = false;
    unflushed = 0;
    if (channel.isActive()) {
      channel.flush();
    }
  }
}
