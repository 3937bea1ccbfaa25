package dev.concord.gateway.ws;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.concord.cluster.RingWatcher;
import dev.concord.gateway.auth.AccountTokens;
import dev.concord.gateway.config.GatewayProperties;
import dev.concord.gateway.link.SessionLinks;
import dev.concord.proto.common.v1.Role;
import dev.concord.protocol.TokenVerifier;
import dev.concord.testkit.ZlibStreamReader;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * Any bytes a client can send as a frame, at any point before it identifies (HELLO sent, then
 * the frame), on a plain and on a zlib-stream connection: the connection answers with a frame or
 * closes with one of the protocol's close codes (4000–4014); no exception escapes, nothing else
 * closes it.
 */
class GatewayFrameFuzzTest {
  private static final String SECRET = "fuzz-test-secret-0123456789abcdef0123";
  private static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper.builder().build();

  /** Built at the first input, after Jazzer's agent is in place (so the gateway is instrumented). */
  private static final class Fixture {
    static final GatewayProperties PROPS =
        TestGatewayProperties.of("gw-fuzz", SECRET, 120);
    static final SessionLinks LINKS =
        new SessionLinks(
            new RingWatcher(Role.ROLE_SESSION, InProcessChannelBuilder.forName("nowhere").build(), Executors.newSingleThreadScheduledExecutor()),
            null,
            Runnable::run,
            16,
            16);
    static final AccountTokens TOKENS =
        new AccountTokens(
            new TokenVerifier(SECRET), userId -> CompletableFuture.completedFuture(TokenVerifier.UNVERSIONED), 30_000, 100, java.time.Clock.systemUTC());
    static final SessionStartLimit STARTS = new SessionStartLimit(1_000_000, Duration.ofDays(1), 1, 1000, java.time.Clock.systemUTC());
    static final WriteBudget BUDGET = new WriteBudget(64L << 20);
  }

  @FuzzTest(maxDuration = "10s")
  @DictionaryFile(resourcePath = "gateway-frames.dict")
  void anyFrame(byte[] frame) {
    handle(frame, null);
  }

  /** The same on a {@code compress=zlib-stream} connection: its HELLO and answers go through the compressor. */
  @FuzzTest(maxDuration = "10s")
  @DictionaryFile(resourcePath = "gateway-frames.dict")
  void anyFrameZlibStream(byte[] frame) {
    handle(frame, StreamCompressor.Kind.ZLIB_STREAM);
  }

  private static void handle(byte[] frame, StreamCompressor.@Nullable Kind compression) {
    EmbeddedChannel channel = new EmbeddedChannel();
    ClientConnection conn = null;
    try {
      conn =
          new ClientConnection(
              1, channel, Fixture.PROPS, Fixture.TOKENS, Fixture.STARTS, Fixture.LINKS, Fixture.BUDGET,
              StreamCompressor.create(compression, new StreamCompressor.ZstdSettings(3, 17)));
      conn.start();
      conn.onFrame(frame);
      channel.runPendingTasks();
      ZlibStreamReader inflater = compression == null ? null : new ZlibStreamReader();
      Object out;
      while ((out = channel.readOutbound()) != null) {
        try {
          if (out instanceof io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame binary && inflater != null) {
            inflated(inflater, binary, frame);
          }
          if (out instanceof CloseWebSocketFrame close) {
            int code = close.statusCode();
            if (code < 4000 || code > 4014) {
              throw new AssertionError("closed with " + code + " (not a gateway close code) on " + new String(frame, java.nio.charset.StandardCharsets.UTF_8));
            }
          }
        } finally {
          ReferenceCountUtil.release(out);
        }
      }
      if (inflater != null) {
        inflater.close();
      }
    } finally {
      if (conn != null) {
        conn.onSocketClosed(1000); // gives the compressor's native memory back
        channel.runPendingTasks();
      }
      channel.finishAndReleaseAll();
    }
  }

  /**
   * A zlib-stream frame as a client reads it: it ends with the sync flush marker and inflates, with
   * the stream's one inflater, into a JSON payload.
   */
  private static void inflated(ZlibStreamReader reader, io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame binary, byte[] input) {
    byte[] bytes = new byte[binary.content().readableBytes()];
    binary.content().getBytes(binary.content().readerIndex(), bytes);
    if (!ZlibStreamReader.endsWithSyncFlush(bytes)) {
      throw new AssertionError("a zlib-stream frame without the sync flush marker, on " + new String(input, java.nio.charset.StandardCharsets.UTF_8));
    }
    JSON.readTree(reader.inflate(bytes)); // a payload the client can parse
  }
}
