package dev.concord.session.core;

import com.google.protobuf.ByteString;

/** The gateway link several connections share; takes one dispatch for many of them. Thread-safe. */
public interface LinkSink {
  /**
   * Queues one dispatch for {@code n} connections of this link: connection {@code ids[i]} gets
   * sequence number {@code seqs[i]}. The payload travels once. False if the link is full or gone.
   */
  boolean sendShared(String type, ByteString payload, long[] ids, long[] seqs, int n);

  /**
   * As above; {@code trace} (sampled copies only, else null) travels with the dispatch so the
   * gateway's write joins the trace. Links that do not trace ignore it.
   */
  default boolean sendShared(
      String type,
      ByteString payload,
      long[] ids,
      long[] seqs,
      int n,
      dev.concord.proto.common.v1.@org.jspecify.annotations.Nullable TraceContext trace) {
    return sendShared(type, payload, ids, seqs, n);
  }
}
