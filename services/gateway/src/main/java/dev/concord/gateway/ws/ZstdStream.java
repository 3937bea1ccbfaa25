package dev.concord.gateway.ws;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * {@code compress=zstd-stream}: ONE zstd compression stream for the connection's whole life; each
 * payload is compressed and flushed (ZSTD_e_flush), so every frame is a decodable chunk of the one
 * stream and the client feeds the frames, in order, to one streaming decompressor. Earlier frames
 * stay in the window, which is what makes a stream of similar JSON dispatches small.
 *
 * <p>Memory: the window is bounded ({@code windowLog}, default 2^17 = 128 KiB) and so are the
 * match tables (hash and chain logs at most 15), so a context holds about 240 KB of native memory
 * at the default level 6 after its first frames and 360 KB once its window is full (zlib-stream:
 * 150 and 210 KB). Measured with {@code make bench-compress} on a
 * recorded mix of real dispatches: level 6 sends 10 % fewer bytes than zlib-stream for half its
 * CPU; levels 1 and 3 are cheaper still but no smaller than zlib (bench/README.md).
 *
 * <p>Concurrency: confined to the connection's event loop.
 */
final class ZstdStream implements StreamCompressor {
  private final ZstdCompressCtx ctx;
  private ByteBuffer out = ByteBuffer.allocate(4096);

  ZstdStream(int level, int windowLog) {
    this.ctx =
        new ZstdCompressCtx()
            .setLevel(level)
            .setWindowLog(windowLog)
            .setHashLog(Math.min(windowLog, 15))
            .setChainLog(Math.min(windowLog, 15))
            .setChecksum(false)
            .setContentSize(false);
  }

  @Override
  public byte[] compress(byte[] payload) {
    ByteBuffer in = ByteBuffer.wrap(payload);
    out.clear();
    while (!ctx.compressByteBufferStream(out, in, EndDirective.FLUSH)) {
      // not all flushed: more room (bounded by the payload's size plus zstd's block overhead)
      ByteBuffer bigger = ByteBuffer.allocate(out.capacity() * 2);
      out.flip();
      bigger.put(out);
      out = bigger;
    }
    return Arrays.copyOf(out.array(), out.position());
  }

  @Override
  public void close() {
    ctx.close();
  }
}
