package dev.concord.cluster;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Discord's JSON error code of a refused guild call (10008 unknown message, 50013 missing
 * permissions...), carried in the trailers next to the gRPC status, so the REST edge answers with
 * the code Discord would without parsing messages.
 */
public final class DiscordErrorCode {
  public static final Metadata.Key<String> KEY = Metadata.Key.of("concord-discord-code", Metadata.ASCII_STRING_MARSHALLER);

  private DiscordErrorCode() {}

  public static StatusRuntimeException of(Status status, int code) {
    Metadata trailers = new Metadata();
    trailers.put(KEY, Integer.toString(code));
    return status.asRuntimeException(trailers);
  }

  /** The code of a failed call, or 0. */
  public static int from(StatusRuntimeException e) {
    Metadata trailers = e.getTrailers();
    String v = trailers == null ? null : trailers.get(KEY);
    if (v == null) {
      return 0;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException x) {
      return 0;
    }
  }
}
