package dev.concord.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A socket behind: Netty holds at most a batch of its frames, the rest wait in its backlog, and
 * every frame still reaches the socket once, in the order sent, with each shared payload released
 * exactly as often as it was retained. A real WebSocket encoder is in the pipeline; the socket's
 * peer reads only when the test says so (flushes stop in a handler while it is stuck).
 */
class ConnectionWriterBacklogTest {
  private static final byte[] PAYLOAD = ("{\"content\":\"" + "m".repeat(200) + "\"}").getBytes(StandardCharsets.UTF_8);

  private boolean stuck = true;
  /** Writes with a promise that is watched (not void) fail, the socket staying open. */
  private boolean failWatchedWrites;
  private final EmbeddedChannel channel =
      new EmbeddedChannel(
          new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
              if (failWatchedWrites && !promise.isVoid()) {
                ReferenceCountUtil.release(msg);
                promise.setFailure(new java.io.IOException("write failed (test)"));
                return;
              }
              ctx.write(msg, promise);
            }

            @Override
            public void flush(ChannelHandlerContext ctx) {
              if (!stuck) {
                ctx.flush();
              }
            }
          },
          new WebSocket13FrameEncoder(false));
  private final AtomicInteger tooSlow = new AtomicInteger();
  /** The payload every socket shares, and its closing brace. */
  private final ByteBuf rest = Unpooled.buffer().writeBytes(PAYLOAD).writeByte('}');

  private ConnectionWriter writer(long budgetBytes) {
    return new ConnectionWriter(
        channel, null, 1 << 20, Duration.ofSeconds(2), new WriteBudget(budgetBytes), tooSlow::incrementAndGet);
  }

  @AfterEach
  void close() {
    stuck = false;
    channel.close();
    channel.outboundMessages().forEach(ReferenceCountUtil::release);
    channel.outboundMessages().clear();
    rest.release();
  }

  /** Lets the client read everything: flush passes until nothing more is handed to Netty. */
  private List<String> readAll() {
    stuck = false;
    for (int i = 0; i < 1_000 && (channel.hasPendingTasks() || pending() > 0); i++) {
      channel.flush();
      channel.runPendingTasks();
    }
    ByteBuf all = Unpooled.buffer();
    for (Object m : channel.outboundMessages()) {
      all.writeBytes((ByteBuf) m);
      ReferenceCountUtil.release(m);
    }
    channel.outboundMessages().clear();
    List<String> frames = new ArrayList<>();
    while (all.isReadable()) {
      assertThat((int) all.readUnsignedByte()).as("FIN + text").isEqualTo(0x81);
      int len = all.readUnsignedByte();
      long length = len == 126 ? all.readUnsignedShort() : len == 127 ? all.readLong() : len;
      frames.add(all.readCharSequence((int) length, StandardCharsets.UTF_8).toString());
    }
    return frames;
  }

  private long pending() {
    return channel.unsafe().outboundBuffer().totalPendingWriteBytes();
  }

  private static String dispatch(long seq) {
    return "{\"op\":0,\"s\":" + seq + ",\"t\":\"MESSAGE_CREATE\",\"d\":" + new String(PAYLOAD, StandardCharsets.UTF_8) + "}";
  }

  /** Sends the dispatches {@code from..to} of the shared rest; adds what the client is to read to {@code expected}. */
  private void sendDispatches(ConnectionWriter w, long from, long to, List<String> expected) {
    for (long seq = from; seq <= to; seq++) {
      w.writeShared(seq, "MESSAGE_CREATE", rest);
      expected.add(dispatch(seq));
    }
  }

  @Test
  void aBurstToASocketBehind_waitsInTheBacklog_andArrivesInOrder() {
    ConnectionWriter w = writer(64L << 20);
    List<String> expected = new ArrayList<>();
    sendDispatches(w, 1, 250, expected);
    w.write("{\"op\":11}".getBytes(StandardCharsets.UTF_8)); // a frame of its own, in between
    expected.add("{\"op\":11}");
    sendDispatches(w, 251, 500, expected);
    channel.runPendingTasks();
    // one batch, and the frame that passed its bound (the flush passes of this loop run at once)
    assertThat(pending()).as("Netty holds one batch").isLessThanOrEqualTo(ConnectionWriter.HANDED_BYTES + 1_000);
    assertThat(rest.refCnt()).as("the rest waits by reference, not copied").isEqualTo(1 + 500);

    assertThat(readAll()).containsExactlyElementsOf(expected);
    assertThat(tooSlow).hasValue(0);
    assertThat(rest.refCnt()).as("every retain released").isEqualTo(1);
  }

  @Test
  void aBacklogPastTheBudget_isTooSlow_andIsDropped() {
    ConnectionWriter w = writer(WriteBudget.MIN_BYTES); // one connection's floor
    long seq = 0;
    while (tooSlow.get() == 0 && seq < 10_000) {
      w.writeShared(++seq, "MESSAGE_CREATE", rest);
    }
    assertThat(tooSlow).hasValue(1);
    // the floor holds the handed batch (64 KB of frames here) and a backlog of 1 024 slots, not
    // 2 048
    assertThat(seq).isBetween(1_024L, 2_048L);
    channel.outboundMessages().forEach(ReferenceCountUtil::release);
    channel.close();
    assertThat(rest.refCnt()).as("nothing of the dropped backlog is held").isEqualTo(1);
  }

  @Test
  void beforeAClose_theBacklogIsHandedToNetty() {
    ConnectionWriter w = writer(64L << 20);
    List<String> expected = new ArrayList<>();
    sendDispatches(w, 1, 300, expected);
    w.handAllWaiting();
    assertThat(pending()).as("all of it, past the batch bound").isGreaterThan(ConnectionWriter.HANDED_BYTES);
    w.close();
    assertThat(readAll()).containsExactlyElementsOf(expected);
    assertThat(rest.refCnt()).isEqualTo(1);
  }

  @Test
  void aWatchedWriteThatFails_onAnOpenSocket_closesIt_insteadOfLettingLaterFramesPass() {
    failWatchedWrites = true;
    ConnectionWriter w = writer(64L << 20);
    sendDispatches(w, 1, 500, new ArrayList<>()); // past HANDED_BYTES: a watched write
    assertThat(channel.isActive()).isTrue();
    assertThat(tooSlow).as("closed (resumable) once").hasValue(1);
    w.close();
    channel.close();
    assertThat(rest.refCnt()).isEqualTo(1);
  }

  @Test
  void closing_releasesWhatWaits() {
    ConnectionWriter w = writer(64L << 20);
    sendDispatches(w, 1, 300, new ArrayList<>());
    w.close();
    channel.close(); // Netty fails and releases what it was handed
    assertThat(rest.refCnt()).isEqualTo(1);
  }
}
