package dev.concord.gateway.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;

/**
 * Dispatch frames written as WebSocket bytes without the frame encoder: a server frame is
 * unmasked, so it is just a 2–10 byte header (FIN + text opcode, then the length) before the
 * payload. Per connection only the header and the {@code {"op":0,"s":N,"t":"T","d":} prefix are
 * new bytes (one small pooled buffer); the rest of the frame (the payload and its closing
 * {@code "}"}, copied once per event loop) is shared, referenced: a frame is two outbound
 * messages, the header and a duplicate of the rest, with no composite buffer around them.
 *
 * <p>The gateway's profile before this (issue 13, 5 000 connections): 24 % of CPU in the frame
 * encoder merging prefix + payload + suffix into a new buffer and copying it again. Then, with a
 * composite of header, payload and a shared read-only suffix: ~25 % of the loop's burst samples in
 * building NIO buffers for the composite and the read-only suffix (slices per write).
 */
final class PreEncodedFrames {
  private static final byte[] OP0 = "{\"op\":0,\"s\":".getBytes(StandardCharsets.US_ASCII);

  private PreEncodedFrames() {}

  /** Per event-loop thread: a frame's header and prefix are put together here and written in one copy. */
  private static final FastThreadLocal<byte[]> SCRATCH =
      new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
          return new byte[SCRATCH_BYTES];
        }
      };

  private static final int SCRATCH_BYTES = 128;

  /** {@code ,"t":"TYPE","d":} per dispatch type, so a frame copies it instead of encoding the name (types are few). */
  private static final java.util.concurrent.ConcurrentHashMap<String, byte[]> TYPE_PARTS = new java.util.concurrent.ConcurrentHashMap<>();

  /** Types beyond this many (Discord has ~80 dispatch names) are encoded per frame, not kept. */
  private static final int MAX_TYPE_PARTS = 256;

  /**
   * The header and prefix of a text frame whose payload, after the prefix, is {@code restBytes}
   * long (the shared payload and the suffix). Put together in a per-thread scratch array and
   * written into the pooled buffer in one copy: written field by field (eight writes, the type
   * name byte by byte through the buffer's bounds checks) it was ~2.7 % of the burst's CPU at N =
   * 19 000 (perf).
   */
  static ByteBuf header(ByteBufAllocator alloc, long seq, String type, int restBytes) {
    byte[] typePart = typePart(type);
    byte[] seqDigits = seq < 0 ? Long.toString(seq).getBytes(StandardCharsets.US_ASCII) : null;
    int digits = seqDigits != null ? seqDigits.length : digits(seq);
    int prefixBytes = OP0.length + digits + typePart.length;
    long length = (long) prefixBytes + restBytes;
    int headerBytes = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
    int total = headerBytes + prefixBytes;
    byte[] a = total <= SCRATCH_BYTES ? SCRATCH.get() : new byte[total];
    a[0] = (byte) 0x81; // FIN, text
    if (headerBytes == 2) {
      a[1] = (byte) length;
    } else if (headerBytes == 4) {
      a[1] = 126;
      a[2] = (byte) (length >>> 8);
      a[3] = (byte) length;
    } else {
      a[1] = 127;
      for (int i = 0; i < 8; i++) {
        a[2 + i] = (byte) (length >>> (56 - 8 * i));
      }
    }
    int at = headerBytes;
    System.arraycopy(OP0, 0, a, at, OP0.length);
    at += OP0.length;
    if (seqDigits != null) {
      System.arraycopy(seqDigits, 0, a, at, digits);
    } else {
      long v = seq;
      for (int i = digits - 1; i >= 0; i--) {
        a[at + i] = (byte) ('0' + v % 10);
        v /= 10;
      }
    }
    at += digits;
    System.arraycopy(typePart, 0, a, at, typePart.length);
    return alloc.directBuffer(total).writeBytes(a, 0, total);
  }

  private static byte[] typePart(String type) {
    byte[] p = TYPE_PARTS.get(type);
    if (p == null) {
      p = (",\"t\":\"" + type + "\",\"d\":").getBytes(StandardCharsets.US_ASCII);
      if (TYPE_PARTS.size() < MAX_TYPE_PARTS) {
        TYPE_PARTS.putIfAbsent(type, p);
      }
    }
    return p;
  }

  /** Decimal digits of {@code v} ≥ 0. */
  private static int digits(long v) {
    int n = 1;
    while (v >= 10) {
      v /= 10;
      n++;
    }
    return n;
  }
}
