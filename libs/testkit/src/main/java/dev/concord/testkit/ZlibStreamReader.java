package dev.concord.testkit;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The client side of {@code compress=zlib-stream}: one inflater for the connection's life, fed
 * each binary frame in order, as Discord clients read it. Not thread-safe; {@link #close} frees
 * the inflater's native memory.
 */
public final class ZlibStreamReader implements AutoCloseable {
  private final Inflater inflater = new Inflater();
  private final byte[] chunk = new byte[8192];

  /** The payload one frame inflates to; IllegalStateException if the stream is corrupt. */
  public byte[] inflate(byte[] frame) {
    inflater.setInput(frame);
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, frame.length * 4));
    try {
      int n;
      while ((n = inflater.inflate(chunk)) > 0) {
        out.write(chunk, 0, n);
      }
    } catch (DataFormatException e) {
      throw new IllegalStateException("a zlib-stream frame that does not inflate", e);
    }
    return out.toByteArray();
  }

  /** Whether a frame ends with the sync flush marker (00 00 ff ff) that closes each message. */
  public static boolean endsWithSyncFlush(byte[] frame) {
    int n = frame.length;
    return n >= 4 && frame[n - 4] == 0 && frame[n - 3] == 0 && frame[n - 2] == (byte) 0xff && frame[n - 1] == (byte) 0xff;
  }

  @Override
  public void close() {
    inflater.end();
  }
}
