package dev.concord.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.protocol.DispatchFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PreEncodedFramesTest {
  /** The bytes Netty's own server frame encoder produces for the same text frame. */
  private static byte[] encodedByNetty(byte[] text) {
    EmbeddedChannel ch = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
    ch.writeOutbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(text)));
    ByteBuf out = Unpooled.buffer();
    ByteBuf part;
    while ((part = ch.readOutbound()) != null) {
      out.writeBytes(part);
      part.release();
    }
    byte[] bytes = new byte[out.readableBytes()];
    out.readBytes(bytes);
    return bytes;
  }

  private static byte[] preEncoded(long seq, String type, byte[] payload) {
    // the shared rest of the frame: the payload and its closing brace
    ByteBuf shared = Unpooled.buffer(payload.length + 1).writeBytes(payload).writeByte('}');
    ByteBuf head = PreEncodedFrames.header(ByteBufAllocator.DEFAULT, seq, type, shared.readableBytes());
    ByteBuf rest = shared.retainedDuplicate();
    byte[] bytes = new byte[head.readableBytes() + rest.readableBytes()];
    int n = head.readableBytes();
    head.readBytes(bytes, 0, n);
    rest.readBytes(bytes, n, rest.readableBytes());
    head.release();
    rest.release();
    assertThat(shared.refCnt()).as("the shared rest is only referenced").isEqualTo(1);
    return bytes;
  }

  @Test
  void frame_isByteForByteWhatNettysEncoderWrites_forEveryLengthEncoding() {
    for (int size : new int[] {2, 60, 125, 126, 500, 65_000, 70_000}) {
      byte[] payload = ("{\"x\":\"" + "a".repeat(size) + "\"}").getBytes(StandardCharsets.UTF_8);
      for (long seq : new long[] {1, 9, 10, 12345, Long.MAX_VALUE}) {
        byte[] expected = encodedByNetty(DispatchFrame.frame(seq, "MESSAGE_CREATE", payload));
        assertThat(preEncoded(seq, "MESSAGE_CREATE", payload)).as("size %d, seq %d", size, seq).isEqualTo(expected);
      }
    }
  }

  @Test
  void frame_isWhatNettysEncoderWrites_forOtherTypes_includingOneLongerThanTheScratch() {
    byte[] payload = "{\"id\":\"1\"}".getBytes(StandardCharsets.UTF_8);
    for (String type : new String[] {"READY", "GUILD_CREATE", "T", "X_" + "Y".repeat(400), "READY"}) {
      for (long seq : new long[] {0, 7, 1_000_000_007L}) {
        byte[] expected = encodedByNetty(DispatchFrame.frame(seq, type, payload));
        assertThat(preEncoded(seq, type, payload)).as("type %s, seq %d", type.length() > 20 ? "long" : type, seq).isEqualTo(expected);
      }
    }
  }
}
