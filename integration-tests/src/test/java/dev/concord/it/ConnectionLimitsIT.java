package dev.concord.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concord.devsuite.LocalSuite;
import dev.concord.testkit.GatewayClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's connection limits as a client meets them: a socket that never identifies is
 * closed with 4003, and past the per-address limit or the compressors' memory budget the upgrade
 * is answered 429 with Retry-After (and a slot comes back when a socket closes). Limits lowered
 * for the test: identify timeout 1 s, 3 sockets per address, 600 KB of compressor memory (two
 * zlib-stream sockets).
 */
class ConnectionLimitsIT {
  static final String SECRET = "limits-test-secret-0123456789abcdefgh";
  static final Duration WAIT = Duration.ofSeconds(10);
  static SuiteFixture fixture;

  @BeforeAll
  static void start() {
    fixture =
        new SuiteFixture(
            LocalSuite.Options.defaults(SECRET)
                .withExtra(List.of("--concord.gateway.identify-timeout=1s", "--concord.gateway.max-connections-per-address=3",
                        "--concord.gateway.compression-memory=600KB")));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aSocketThatNeverIdentifies_isClosed4003() throws Exception {
    try (GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      assertThat(c.next(WAIT).path("op").asInt()).isEqualTo(10); // HELLO, then nothing
      long t0 = System.nanoTime();
      assertThat(c.awaitClose(WAIT)).isEqualTo(4003);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("closed 4003 " + ms + " ms after HELLO (timeout 1 s)");
      assertThat(ms).as("the timeout runs from HELLO, not at once").isGreaterThan(500);
    }
  }

  @Test
  void anIdentifiedSocket_staysOpenPastTheIdentifyTimeout() throws Exception {
    try (GatewayClient c = GatewayClient.connect(fixture.url("v=10&encoding=json"))) {
      c.next(WAIT);
      c.identify(fixture.demo.users().get(0).token(), 513);
      c.nextDispatch("READY", WAIT);
      c.send("{\"op\":1,\"d\":null}");
      // well past the 1 s identify timeout, the socket still answers heartbeats
      Thread.sleep(1500); // the timeout under test is a time; waiting past it is the test
      c.send("{\"op\":1,\"d\":null}");
      long acks = 0;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (acks < 2 && System.nanoTime() < deadline) {
        if (c.next(WAIT).path("op").asInt() == 11) {
          acks++;
        }
      }
      assertThat(acks).isEqualTo(2);
    }
  }

  @Test
  void pastThePerAddressLimit_theUpgradeIs429_andAClosedSocketFreesItsSlot() throws Exception {
    List<GatewayClient> open = new ArrayList<>();
    try (HttpClient http = HttpClient.newHttpClient()) {
      for (int i = 0; i < 3; i++) {
        GatewayClient c = connectWhenAdmitted(); // an earlier test's sockets may still be closing
        c.next(WAIT);
        c.identify(fixture.demo.users().get(0).token(), 513); // stays past the identify timeout
        open.add(c);
      }
      // the 4th from the same address: refused at the upgrade, as a plain HTTP answer
      String r = rawUpgrade(fixture.suite.ports().gatewayHttp(), "v=10&encoding=json");
      System.out.println("4th socket from one address: " + r.replace("\r\n", " | "));
      assertThat(r).startsWith("HTTP/1.1 429");
      assertThat(r).containsIgnoringCase("retry-after: 5");
      assertThat(r).contains("too many connections from your address");
      // a real WebSocket client sees the refused handshake as an error
      try {
        http.newWebSocketBuilder().buildAsync(URI.create(fixture.url("v=10&encoding=json")), new WebSocket.Listener() {}).join();
        throw new AssertionError("a 4th WebSocket from one address was accepted");
      } catch (CompletionException expected) {
        assertThat(expected.getCause()).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
      }
      // one closes: its slot comes back (released when its TCP connection closes)
      open.removeFirst().close();
      GatewayClient again = connectWhenAdmitted();
      assertThat(again.next(WAIT).path("op").asInt()).isEqualTo(10);
      open.add(again);
    } finally {
      open.forEach(GatewayClient::close);
    }
  }

  @Test
  void pastTheCompressionBudget_aCompressedUpgradeIs429_andAnUncompressedOneIsNot() throws Exception {
    String zlib = "v=10&encoding=json&compress=zlib-stream";
    List<GatewayClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        GatewayClient c = connectWhenAdmitted(zlib);
        c.next(WAIT);
        c.identify(fixture.demo.users().get(0).token(), 513);
        open.add(c);
      }
      String r = rawUpgrade(fixture.suite.ports().gatewayHttp(), zlib);
      System.out.println("3rd zlib-stream socket past a 600 KB budget: " + r.replace("\r\n", " | "));
      assertThat(r).startsWith("HTTP/1.1 429");
      assertThat(r).contains("no memory left for compressed connections");
      assertThat(rawUpgrade(fixture.suite.ports().gatewayHttp(), "v=10&encoding=json")).startsWith("HTTP/1.1 101");
      open.removeFirst().close();
      GatewayClient again = connectWhenAdmitted(zlib);
      assertThat(again.next(WAIT).path("op").asInt()).isEqualTo(10);
      open.add(again);
    } finally {
      open.forEach(GatewayClient::close);
    }
  }

  private static GatewayClient connectWhenAdmitted() throws InterruptedException {
    return connectWhenAdmitted("v=10&encoding=json");
  }

  /** A socket, once the gateway admits one from this address (a closed socket's slot comes back when the server sees the close). */
  private static GatewayClient connectWhenAdmitted(String query) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        return GatewayClient.connect(fixture.url(query));
      } catch (CompletionException refused) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no slot for this address within " + WAIT, refused);
        }
        Thread.sleep(50); // bounded poll until the server has seen earlier sockets close
      }
    }
  }

  /** A WebSocket upgrade request written by hand (HttpClient refuses to set Upgrade itself): the whole answer. */
  private static String rawUpgrade(int port, String query) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout((int) WAIT.toMillis());
      socket.getOutputStream()
          .write(
              ("GET /?" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      java.io.InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        head.append((char) b);
      }
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
      int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
      return head + new String(in.readNBytes(length), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
