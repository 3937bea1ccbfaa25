package dev.concord.gateway.ws;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A connection's transport compression: one streaming context for the connection's whole life,
 * each payload compressed and flushed so that the client decodes every frame as it arrives with
 * one decoder. Confined to the connection's event loop. (Public for {@code make bench-compress}.)
 */
public interface StreamCompressor {
  /** {@code payload} compressed and flushed: the bytes of one binary frame. */
  byte[] compress(byte[] payload);

  /** Frees the context (native memory for zstd). */
  void close();

  /** The {@code compress} query values the gateway accepts. */
  public enum Kind {
    ZLIB_STREAM("zlib-stream"),
    ZSTD_STREAM("zstd-stream");

    final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    /** The kind a {@code compress} query value names; null for none; IllegalArgumentException if unknown. */
    public static @Nullable Kind parse(@Nullable String value) {
      if (value == null || value.isEmpty()) {
        return null;
      }
      for (Kind k : values()) {
        if (k.wire.equals(value.toLowerCase(Locale.ROOT))) {
          return k;
        }
      }
      throw new IllegalArgumentException("unsupported compression (expected: zlib-stream or zstd-stream)");
    }

    /**
     * The kind the {@code compress} parameter of an upgrade's URI names; null for none, a value
     * that is not a kind or a malformed query (the socket is closed 4002 for those once open).
     */
    public static @Nullable Kind ofUri(String uri) {
      // decoded as the handler decodes it (names may be percent-encoded too): no shortcut that a
      // client could step around to be charged nothing
      try {
        java.util.List<String> values = new io.netty.handler.codec.http.QueryStringDecoder(uri).parameters().get("compress");
        return values == null || values.isEmpty() ? null : parse(values.getFirst());
      } catch (IllegalArgumentException unknownOrMalformed) {
        return null;
      }
    }
  }

  /** Settings of zstd-stream contexts (level and window bound their CPU and memory). */
  public record ZstdSettings(int level, int windowLog) {}

  static @Nullable StreamCompressor create(@Nullable Kind kind, ZstdSettings zstd) {
    if (kind == null) {
      return null;
    }
    return switch (kind) {
      case ZLIB_STREAM -> new ZlibStream();
      case ZSTD_STREAM -> new ZstdStream(zstd.level(), zstd.windowLog());
    };
  }
}
