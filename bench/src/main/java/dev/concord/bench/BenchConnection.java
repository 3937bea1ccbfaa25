package dev.concord.bench;

import com.google.protobuf.ByteString;
import dev.concord.session.core.Connection;
import dev.concord.session.core.LinkSink;
import java.util.function.Consumer;

/**
 * A benchmark session's client connection: frames sent to it alone (READY, GUILD_CREATE, …) go to
 * {@code frames}; shared dispatches go to its {@code link}. A close means the set-up is wrong: it
 * fails the run.
 */
public record BenchConnection(long id, LinkSink link, Consumer<ByteString> frames) implements Connection {
  @Override
  public boolean send(ByteString frame) {
    frames.accept(frame);
    return true;
  }

  @Override
  public void close(int code, String reason) {
    throw new IllegalStateException("session closed: " + code + " " + reason);
  }
}
