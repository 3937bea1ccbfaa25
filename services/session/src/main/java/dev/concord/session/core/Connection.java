package dev.concord.session.core;

import com.google.protobuf.ByteString;

/** The client connection a session writes to (a gateway connection, over its link). Thread-safe. */
public interface Connection {
  /** Queues a complete gateway frame; false if the link is full or gone. */
  boolean send(ByteString frame);

  /** Closes the client's socket with {@code code} after the frames queued before. */
  void close(int code, String reason);

  /** The connection's id on its link. */
  long id();

  /** The link the connection is multiplexed on. */
  LinkSink link();
}
