package dev.concord.gateway.ws;

import java.io.ByteArrayOutputStream;
import java.util.zip.Deflater;

/**
 * {@code compress=zlib-stream}: ONE deflate context for the connection's whole life; each payload
 * is deflated and flushed with Z_SYNC_FLUSH, so every frame ends with {@code 00 00 FF FF} and the
 * client inflates the concatenation with one inflater.
 *
 * <p>Concurrency: confined to the connection's event loop.
 */
final class ZlibStream implements StreamCompressor {
  private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
  private final byte[] chunk = new byte[8192];

  @Override
  public byte[] compress(byte[] payload) {
    deflater.setInput(payload);
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, payload.length / 2));
    while (true) {
      int n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
      out.write(chunk, 0, n);
      if (n < chunk.length && deflater.needsInput()) {
        break;
      }
    }
    return out.toByteArray();
  }

  @Override
  public void close() {
    deflater.end();
  }
}
