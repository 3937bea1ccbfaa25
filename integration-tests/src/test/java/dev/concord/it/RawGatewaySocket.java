package dev.concord.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A gateway client on a plain socket that reads only when the test says so: a reader that stops
 * reading is a reader whose TCP window closes, as a stalled phone's does. Its receive buffer is
 * small (4 KiB), so the server's writes back up quickly. Text frames only, no compression.
 */
final class RawGatewaySocket implements AutoCloseable {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A frame read: a text frame's JSON, or the close code of a close frame. */
  record Frame(JsonNode json, int closeCode) {
    boolean isClose() {
      return json == null;
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawGatewaySocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  static RawGatewaySocket connect(int port, String query) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    s.setSoTimeout(10_000);
    RawGatewaySocket c = new RawGatewaySocket(s);
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    c.out.write(
        ("GET /?" + query + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    c.out.flush();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) c.in.readUnsignedByte());
      if (head.length() > 8192) {
        throw new IOException("no end of the upgrade answer: " + head);
      }
    }
    if (!head.toString().startsWith("HTTP/1.1 101")) {
      throw new IOException("upgrade refused: " + head);
    }
    return c;
  }

  /** Sends one masked text frame, as a client must. */
  void send(String json) throws IOException {
    byte[] payload = json.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
    f.write(0x81);
    if (payload.length < 126) {
      f.write(0x80 | payload.length);
    } else {
      f.write(0x80 | 126);
      f.write(payload.length >>> 8);
      f.write(payload.length & 0xff);
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    f.write(mask);
    for (int i = 0; i < payload.length; i++) {
      f.write(payload[i] ^ mask[i & 3]);
    }
    out.write(f.toByteArray());
    out.flush();
  }

  /** The next text or close frame (pings and pongs skipped), waiting up to {@code timeout}. */
  Frame next(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    while (true) {
      int b0 = in.readUnsignedByte();
      int b1 = in.readUnsignedByte();
      long len = b1 & 0x7f;
      if (len == 126) {
        len = in.readUnsignedShort();
      } else if (len == 127) {
        len = in.readLong();
      }
      if (len > 16 << 20) {
        throw new IOException("frame of " + len + " bytes");
      }
      byte[] payload = new byte[(int) len];
      in.readFully(payload);
      int opcode = b0 & 0x0f;
      if (opcode == 8) {
        return new Frame(null, payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005);
      }
      if (opcode == 1) {
        return new Frame(JSON.readTree(payload), 0);
      }
    }
  }

  /**
   * Reads until a close frame or the end of the stream; returns the frames' seqs in {@code seqs}
   * as it goes and the close code (-1: the stream ended without one).
   */
  int drainUntilClosed(java.util.List<JsonNode> frames, Duration timeout) throws IOException {
    try {
      while (true) {
        Frame f = next(timeout);
        if (f.isClose()) {
          return f.closeCode();
        }
        frames.add(f.json());
      }
    } catch (EOFException | java.net.SocketException ended) {
      return -1;
    } catch (SocketTimeoutException stuck) {
      throw new IOException("neither a close nor the end of the stream within " + timeout, stuck);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
