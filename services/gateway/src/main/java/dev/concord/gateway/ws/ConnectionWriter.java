package dev.concord.gateway.ws;

import com.google.protobuf.ByteString;
import dev.concord.protocol.DispatchFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>A socket behind (uncompressed): Netty is handed at most {@link #HANDED_BYTES} or {@link
 * #HANDED_ENTRIES} of it; the write that passes either is watched, and the frames after it wait in
 * a {@link DispatchBacklog} (16 bytes each, the payload shared) until that write is on the socket,
 * then the next batch goes. A frame queued in Netty costs ~400 B of heap (two outbound entries, a
 * duplicate, a pooled header), so 19 000 sockets behind by 200 dispatches took the gateway's write
 * budget and were closed; in the backlog the same frames take ~3 KB per socket.
 *
 * <p>Bound: when more than {@code writeBufferBytes} wait unsent for longer than {@code grace} (seen
 * at a write, or by a task a grace after the socket went over, if nothing is written since), or
 * four times as many at any moment, or the waiting frames' heap passes the connection's share of
 * the gateway's {@link WriteBudget} (a client that does not read, or reads slower than it is sent
 * to), {@code onTooSlow} runs (the connection closes, resumable; the backlog is dropped) instead of
 * memory growing. The grace lets a burst drain that a reading client takes in a moment: a RESUME's
 * replay arrives in one piece and may be larger than the buffer (it is bounded by the replay
 * buffer).
 *
 * <p>Concurrency: confined to the socket's event loop.
 */
final class ConnectionWriter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionWriter.class);

  /**
   * Netty is handed at most this many bytes of one socket's frames at a time, and at most {@link
   * #HANDED_ENTRIES} outbound messages; more waits in the socket's {@link DispatchBacklog}.
   */
  static final int HANDED_BYTES = 64 * 1024;

  /**
   * Eight pre-encoded frames. Each costs ~260 B of heap while Netty holds it (two outbound entries,
   * the header buffer and its reference count, the duplicate): at 19 000 sockets behind, 64 entries
   * each kept ~160 MB live through a burst and G1 into full collections (bench-load: 5.6 s of
   * pauses, 297–329 k deliveries/s); 16, with the next batch handed inside the socket write that
   * finished the last, 3.4 s and 403 k/s.
   */
  static final int HANDED_ENTRIES = 16;


  private final Channel channel;
  // zlib-stream or zstd-stream (null: uncompressed, the pre-encoded path)
  private final @Nullable StreamCompressor compressor;
  private final int writeBufferBytes;
  private final long graceNanos;
  /** Since when more than writeBufferBytes wait unsent (0: not now), as last seen at a write. */
  private long overSince;

  /** Found too slow: {@code onTooSlow} has run. */
  private boolean gaveUp;
  /** A {@link #recheck} is scheduled. */
  private boolean recheckDue;
  private final java.util.function.LongSupplier nanoTime;
  private final WriteBudget budget;
  private final Runnable onTooSlow;
  private @Nullable ChannelHandlerContext encoderContext;
  /** Frames sent while a watched write is in Netty (made on first use: most sockets never need it). */
  private @Nullable DispatchBacklog backlog;
  /** A watched write is in Netty, not yet on the socket: new frames wait in the backlog. */
  private boolean watching;
  private @Nullable ChannelFutureListener onWatchedWritten;
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
      unflushed++;
      afterWrite();
    } else if (watching) {
      enqueue(0, null, frame);
    } else {
      handFrame(frame);
      afterWrite();
    }
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
    } else if (watching) {
      enqueue(seq, type, rest.retain());
    } else {
      handShared(ctx, seq, type, rest);
      afterWrite();
    }
  }

  /**
   * Before a close frame: hands Netty everything still waiting, past the usual bound (the
   * backlog is bounded by the budget), so the close frame comes after it as it was sent.
   */
  void handAllWaiting() {
    DispatchBacklog b = backlog;
    ChannelHandlerContext ctx = channel.isActive() ? encoderContext() : null;
    if (b == null || ctx == null) {
      return;
    }
    while (!b.isEmpty()) {
      handFirst(b, ctx);
    }
  }

  /** The connection is closed: frees the compressor and whatever still waits. */
  void close() {
    if (compressor != null) {
      compressor.close();
    }
    if (backlog != null) {
      backlog.releaseAll();
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

  private void handFrame(ByteBuf frame) {
    channel.write(new TextWebSocketFrame(frame), promiseFor(frame.readableBytes(), 1));
    unflushed++;
  }

  /** Two messages, one after the other on this loop: nothing can come between them. */
  private void handShared(ChannelHandlerContext ctx, long seq, String type, ByteBuf rest) {
    ByteBuf header = PreEncodedFrames.header(channel.alloc(), seq, type, rest.readableBytes());
    ChannelPromise promise = promiseFor(header.readableBytes() + rest.readableBytes(), 2);
    ctx.write(header, channel.voidPromise());
    ctx.write(rest.retainedDuplicate(), promise);
    unflushed += 2;
  }

  /**
   * The promise of a write of {@code bytes} in {@code entries} outbound messages: void while Netty
   * holds little of this socket's; past {@link #HANDED_BYTES} or {@link #HANDED_ENTRIES} a watched
   * one, and frames written after it wait in the backlog until it is on the socket.
   */
  private ChannelPromise promiseFor(int bytes, int entries) {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    if (out == null
        || (out.totalPendingWriteBytes() + bytes <= HANDED_BYTES && out.size() + unflushed + entries <= HANDED_ENTRIES)) {
      return channel.voidPromise();
    }
    watching = true;
    ChannelFutureListener l = onWatchedWritten;
    if (l == null) {
      l = this::watchedWritten;
      onWatchedWritten = l;
    }
    return channel.newPromise().addListener(l);
  }

  /**
   * The watched write reached the socket. Or it failed: on a closed socket {@link #close} frees the
   * rest; on an open one the client has missed a frame, and frames written from now on would pass
   * the waiting ones, so it is closed (resumable) as one too slow is, with nothing more sent.
   */
  private void watchedWritten(ChannelFuture f) {
    watching = false;
    if (!channel.isActive()) {
      return;
    }
    DispatchBacklog b = backlog;
    ChannelHandlerContext ctx = f.isSuccess() ? encoderContext() : null;
    if (ctx == null) {
      log.debug("a write to {} failed with the socket open; closing it", channel, f.cause());
      giveUp();
      return;
    }
    if (b == null || b.isEmpty()) {
      return;
    }
    while (!b.isEmpty() && !watching) {
      handFirst(b, ctx);
    }
    // Now, not in the next loop pass: this runs inside Netty's write to the socket, which takes
    // this batch in the same write loop while the socket has room (a flush there only marks it).
    unflushed = 0;
    channel.flush();
  }

  private void handFirst(DispatchBacklog b, ChannelHandlerContext ctx) {
    String type = b.firstType();
    long seq = b.firstSeq();
    ByteBuf buf = b.removeFirst();
    if (type == null) {
      handFrame(buf);
    } else {
      handShared(ctx, seq, type, buf);
      buf.release(); // the backlog's reference; Netty holds its own duplicate
    }
  }

  /** Keeps a frame (owning {@code buf}) behind a watched write. */
  private void enqueue(long seq, @Nullable String type, ByteBuf buf) {
    DispatchBacklog b = backlog;
    if (b == null) {
      b = new DispatchBacklog();
      backlog = b;
    }
    b.add(seq, type, buf);
    if (tooSlow()) {
      giveUp();
    }
  }

  private void afterWrite() {
    if (tooSlow()) {
      giveUp();
      return;
    }
    LoopFlusher.add(channel.eventLoop(), this);
  }

  /** Too slow: what waits is dropped and {@code onTooSlow} runs (once). */
  private void giveUp() {
    if (backlog != null) {
      backlog.releaseAll();
    }
    if (!gaveUp) {
      gaveUp = true;
      onTooSlow.run();
    }
  }

  private long pendingBytes(ChannelOutboundBuffer out) {
    DispatchBacklog b = backlog;
    return out.totalPendingWriteBytes() + (b == null ? 0 : b.bytes());
  }

  private boolean tooSlow() {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    if (out == null) {
      return false;
    }
    DispatchBacklog b = backlog;
    long pendingBytes = pendingBytes(out);
    long heapBytes = (long) (out.size() + unflushed) * WriteBudget.ENTRY_COST_BYTES + (b == null ? 0 : b.heapBytes());
    if (heapBytes > budget.bytesPerConnection() || pendingBytes > 4L * writeBufferBytes) {
      return true;
    }
    if (pendingBytes <= writeBufferBytes) {
      overSince = 0;
      return false;
    }
    long now = nanoTime.getAsLong();
    if (overSince == 0) {
      overSince = now;
    }
    if (now - overSince > graceNanos) {
      return true;
    }
    recheckAfterGrace(now);
    return false;
  }

  /**
   * Over the buffer with no write after it, a socket would never be looked at again: once per
   * grace a task looks (only sockets over their buffer have one).
   */
  private void recheckAfterGrace(long now) {
    if (recheckDue) {
      return;
    }
    recheckDue = true;
    long delay = overSince + graceNanos - now + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1);
    channel.eventLoop().schedule(this::recheck, Math.max(0, delay), java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private void recheck() {
    recheckDue = false;
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    if (gaveUp || !channel.isActive() || out == null || overSince == 0) {
      return;
    }
    if (pendingBytes(out) <= writeBufferBytes) {
      overSince = 0; // it drained
      return;
    }
    // Only writes add bytes, and a write that saw the socket under the bound reset overSince: so
    // it has been over the bound since overSince.
    long now = nanoTime.getAsLong();
    if (now - overSince > graceNanos) {
      giveUp();
    } else {
      recheckAfterGrace(now);
    }
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
