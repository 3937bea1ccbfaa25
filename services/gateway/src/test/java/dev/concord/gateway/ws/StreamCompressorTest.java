package dev.concord.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdDecompressCtx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Both stream compressors, decoded frame by frame by the reference decoders, as a client does. */
class StreamCompressorTest {
  private static final StreamCompressor.ZstdSettings ZSTD = new StreamCompressor.ZstdSettings(3, 17);

  private static List<byte[]> dispatches(int n) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          ("{\"op\":0,\"s\":" + (i + 3) + ",\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":\"15741247658183" + (10000 + i)
                  + "\",\"channel_id\":\"1574124765868724224\",\"author\":{\"id\":\"1574124765818392577\",\"username\":\"alice\"},"
                  + "\"content\":\"message number " + i + " in a busy channel\",\"mentions\":[],\"embeds\":[]}}")
              .getBytes(StandardCharsets.UTF_8));
    }
    // one large frame (a GUILD_CREATE-sized payload) past the compressor's first buffer
    StringBuilder big = new StringBuilder("{\"op\":0,\"t\":\"GUILD_CREATE\",\"d\":{\"members\":[");
    for (int i = 0; i < 3000; i++) {
      big.append(i == 0 ? "" : ",").append("{\"user\":{\"id\":\"").append(1_000_000L + i * 7919L).append("\"},\"roles\":[]}");
    }
    out.add(big.append("]}}").toString().getBytes(StandardCharsets.UTF_8));
    return out;
  }

  @Test
  void zstdStream_everyFrameDecodesAsItArrives_withOneDecompressor() {
    StreamCompressor zstd = StreamCompressor.create(StreamCompressor.Kind.ZSTD_STREAM, ZSTD);
    try (ZstdDecompressCtx decoder = new ZstdDecompressCtx()) {
      long raw = 0;
      long sent = 0;
      for (byte[] payload : dispatches(200)) {
        byte[] frame = zstd.compress(payload);
        raw += payload.length;
        sent += frame.length;
        ByteBuffer src = ByteBuffer.wrap(frame);
        ByteBuffer dst = ByteBuffer.allocate(payload.length + 1024);
        while (src.hasRemaining()) {
          decoder.decompressByteBufferStream(dst, src);
        }
        assertThat(new String(dst.array(), 0, dst.position(), StandardCharsets.UTF_8))
            .isEqualTo(new String(payload, StandardCharsets.UTF_8));
      }
      // the window spans frames: a stream of similar dispatches shrinks far below one-shot sizes
      System.out.printf("zstd-stream: %d bytes -> %d (%.1fx)%n", raw, sent, (double) raw / sent);
      assertThat(sent * 4).isLessThan(raw);
    } finally {
      zstd.close();
    }
  }

  @Test
  void zlibStream_everyFrameEndsWithTheSyncFlushMarker() throws Exception {
    StreamCompressor zlib = StreamCompressor.create(StreamCompressor.Kind.ZLIB_STREAM, ZSTD);
    java.util.zip.Inflater inflater = new java.util.zip.Inflater();
    try {
      for (byte[] payload : dispatches(20)) {
        byte[] frame = zlib.compress(payload);
        assertThat(java.util.Arrays.copyOfRange(frame, frame.length - 4, frame.length))
            .containsExactly(0x00, 0x00, 0xFF, 0xFF);
        inflater.setInput(frame);
        byte[] out = new byte[payload.length + 1024];
        int n = inflater.inflate(out);
        assertThat(java.util.Arrays.copyOf(out, n)).isEqualTo(payload);
      }
    } finally {
      inflater.end();
      zlib.close();
    }
  }

  @Test
  void compressQuery_acceptsTheTwoStreams_refusesTheRest() {
    assertThat(StreamCompressor.Kind.parse(null)).isNull();
    assertThat(StreamCompressor.Kind.parse("")).isNull();
    assertThat(StreamCompressor.Kind.parse("zlib-stream")).isEqualTo(StreamCompressor.Kind.ZLIB_STREAM);
    assertThat(StreamCompressor.Kind.parse("zstd-stream")).isEqualTo(StreamCompressor.Kind.ZSTD_STREAM);
    assertThatThrownBy(() -> StreamCompressor.Kind.parse("gzip")).hasMessageContaining("zlib-stream or zstd-stream");
  }
}
