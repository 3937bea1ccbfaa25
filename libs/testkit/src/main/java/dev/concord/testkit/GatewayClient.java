package dev.concord.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real WebSocket client (the JDK's) speaking Gateway v10 JSON, for tests, benchmarks and load
 * generators. Frames arrive in a queue; the close code the server sent is kept. zlib-stream frames
 * are inflated with one inflater for the connection's life, as Discord clients do; zstd-stream
 * frames (the URL asks for compress=zstd-stream) go through one zstd streaming decompressor.
 */
public final class GatewayClient implements AutoCloseable {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>(100_000);
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final WebSocket ws;
  private final ZlibStreamReader inflater = new ZlibStreamReader();
  /** For compress=zstd-stream: one streaming decompressor for the connection's life. */
  private final com.github.luben.zstd.@org.jspecify.annotations.Nullable ZstdDecompressCtx zstd;
  /** The first frame that was not valid JSON, if any (reported by {@link #next}). */
  private volatile String badFrame;
  private volatile Throwable lastError;

  private GatewayClient(String url) {
    this.zstd = url.contains("compress=zstd-stream") ? new com.github.luben.zstd.ZstdDecompressCtx() : null;
    Listener listener = new Listener();
    this.ws = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(URI.create(url), listener).join();
  }

  /** Frames received so far and not yet taken. */
  public int pending() {
    return frames.size();
  }

  public static GatewayClient connect(String url) {
    return new GatewayClient(url);
  }

  public void send(String json) {
    ws.sendText(json, true).join();
  }

  /** {@code json} as one message in {@code parts} WebSocket fragments (continuation frames). */
  public void sendFragments(String json, int parts) {
    int step = (json.length() + parts - 1) / parts;
    for (int i = 0; i < json.length(); i += step) {
      ws.sendText(json.substring(i, Math.min(json.length(), i + step)), i + step >= json.length()).join();
    }
  }

  public void identify(String token, long intents) {
    send(
        "{\"op\":2,\"d\":{\"token\":\""
            + token
            + "\",\"intents\":"
            + intents
            + ",\"properties\":{\"os\":\"linux\",\"browser\":\"concord-test\",\"device\":\"concord-test\"}}}");
  }

  public void resume(String token, String sessionId, long seq) {
    send("{\"op\":6,\"d\":{\"token\":\"" + token + "\",\"session_id\":\"" + sessionId + "\",\"seq\":" + seq + "}}");
  }

  /** Drops the connection without a close frame, as a lost network would. */
  public void abort() {
    ws.abort();
  }

  /** Closes with {@code code} (not 1000/1001, so the session stays resumable) and drops the socket. */
  public void closeResumable(int code) {
    ws.sendClose(code, "reconnecting").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
    ws.abort();
  }

  /** The next frame, or fails after {@code timeout}. */
  public JsonNode next(Duration timeout) throws InterruptedException {
    JsonNode n = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (n == null) {
      throw new AssertionError(
          "no frame within "
              + timeout
              + (closeCode.isDone() ? " (closed " + closeCode.join() + ")" : "")
              + (badFrame != null ? "; received a frame that is not JSON: " + badFrame : "")
              + (lastError != null ? "; error: " + lastError : ""));
    }
    return n;
  }

  /** The next dispatch (op 0) of type {@code t}, skipping other frames. */
  public JsonNode nextDispatch(String t, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = end - System.nanoTime();
      JsonNode n = next(Duration.ofNanos(Math.max(1, left)));
      if (n.path("op").asInt() == 0 && t.equals(n.path("t").asString())) {
        return n;
      }
    }
  }

  public List<JsonNode> drain() {
    List<JsonNode> out = new ArrayList<>();
    frames.drainTo(out);
    return out;
  }

  /** The close code the server sent, waiting up to {@code timeout}. */
  public int awaitClose(Duration timeout) throws Exception {
    return closeCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (!ws.isOutputClosed()) {
      ws.sendClose(1000, "bye").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
    ws.abort();
    inflater.close();
    if (zstd != null) {
      zstd.close();
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();
    private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        try {
          frames.add(JSON.readTree(text.toString()));
        } catch (RuntimeException e) {
          badFrame = text.toString();
          closeCode.complete(1007);
        }
        text.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] b = new byte[data.remaining()];
      data.get(b);
      binary.writeBytes(b);
      if (last) {
        byte[] all = binary.toByteArray();
        binary.reset();
        if (zstd != null) {
          frames.add(JSON.readTree(unzstd(all)));
          webSocket.request(1);
          return null;
        }
        frames.add(JSON.readTree(inflater.inflate(all)));
      }
      webSocket.request(1);
      return null;
    }

    /** One zstd-stream frame through the connection's decompressor: the whole message it flushed. */
    private byte[] unzstd(byte[] frame) {
      ByteBuffer src = ByteBuffer.wrap(frame);
      ByteBuffer dst = ByteBuffer.allocate(64 * 1024);
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      while (true) {
        dst.clear();
        zstd.decompressByteBufferStream(dst, src);
        out.write(dst.array(), 0, dst.position());
        if (!src.hasRemaining() && dst.position() < dst.capacity()) {
          return out.toByteArray();
        }
      }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closeCode.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      lastError = error;
      closeCode.complete(1006);
    }
  }
}
