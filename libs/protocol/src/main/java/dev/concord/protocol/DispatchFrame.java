package dev.concord.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Builds a dispatch frame {@code {"op":0,"s":N,"t":"T","d":PAYLOAD}} from a per-recipient prefix and
 * a payload serialized once for all recipients. The payload bytes are never parsed or re-encoded
 * here: {@code d} is exactly the bytes the guild produced.
 */
public final class DispatchFrame {
  private static final byte[] SUFFIX = {'}'};

  private DispatchFrame() {}

  /** {@code {"op":0,"s":seq,"t":"type","d":} as UTF-8; {@code type} must be a plain event name. */
  public static byte[] prefix(long seq, String type) {
    return ("{\"op\":0,\"s\":" + seq + ",\"t\":\"" + type + "\",\"d\":")
        .getBytes(StandardCharsets.US_ASCII);
  }

  public static byte[] suffix() {
    return SUFFIX.clone();
  }

  /** The whole frame in one array (for tests and small control frames). */
  public static byte[] frame(long seq, String type, byte[] payload) {
    byte[] prefix = prefix(seq, type);
    byte[] out = new byte[prefix.length + payload.length + 1];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    System.arraycopy(payload, 0, out, prefix.length, payload.length);
    out[out.length - 1] = '}';
    return out;
  }

  /** A non-dispatch frame {@code {"op":op,"d":d,"s":null,"t":null}}; {@code dJson} is raw JSON. */
  public static byte[] control(int op, String dJson) {
    return ("{\"op\":" + op + ",\"d\":" + dJson + ",\"s\":null,\"t\":null}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
