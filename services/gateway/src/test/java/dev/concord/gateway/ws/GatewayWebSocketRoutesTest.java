package dev.concord.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

class GatewayWebSocketRoutesTest {
  @Test
  void gatewayPaths_rootAndGateway_withOrWithoutQuery() {
    assertThat(GatewayWebSocketRoutes.isGatewayPath("/")).isTrue();
    assertThat(GatewayWebSocketRoutes.isGatewayPath("/?v=10&encoding=json&compress=zlib-stream")).isTrue();
    assertThat(GatewayWebSocketRoutes.isGatewayPath("/gateway?v=10")).isTrue();
    assertThat(GatewayWebSocketRoutes.isGatewayPath("/gateway/")).isFalse();
    assertThat(GatewayWebSocketRoutes.isGatewayPath("/api/v10/gateway")).isFalse();
    assertThat(GatewayWebSocketRoutes.isGatewayPath("/app")).isFalse();
  }

  /**
   * A socket whose handshake headers were dropped keeps working on a real server and client: it
   * echoes frames and closes with its code, and holds no header any more.
   */
  @Test
  void handshakeHeadersForgotten_socketStillEchoesAndCloses() throws Exception {
    AtomicInteger headersLeft = new AtomicInteger(-1);
    DisposableServer server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route(
                r ->
                    r.route(
                        req -> true,
                        (req, res) ->
                            res.sendWebsocket(
                                (in, out) -> {
                                  GatewayWebSocketRoutes.forgetHandshakeHeaders(req, res);
                                  headersLeft.set(in.headers().size() + res.responseHeaders().size());
                                  // echoes until "bye", then closes as the gateway does: its own close frame
                                  return in.receive()
                                      .asString()
                                      .concatMap(
                                          t ->
                                              t.equals("bye")
                                                  ? Mono.fromRunnable(
                                                      () -> in.withConnection(c -> c.channel().writeAndFlush(new CloseWebSocketFrame(4001, "done"))))
                                                  : out.sendString(Mono.just("echo " + t)).then())
                                      .then();
                                })))
            .bindNow();
    try {
      List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
      java.util.concurrent.CompletableFuture<Integer> closeCode = new java.util.concurrent.CompletableFuture<>();
      java.net.http.WebSocket ws =
          java.net.http.HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .header("Accept-Language", "en")
              .header("X-Client", "test-agent/1.0")
              .buildAsync(
                  java.net.URI.create("ws://127.0.0.1:" + server.port() + "/?v=10"),
                  new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w, CharSequence data, boolean last) {
                      got.add(data.toString());
                      w.request(1);
                      return null;
                    }

                    @Override
                    public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket w, int code, String reason) {
                      closeCode.complete(code);
                      return null;
                    }
                  })
              .get(10, java.util.concurrent.TimeUnit.SECONDS);
      ws.sendText("a", true).get(10, java.util.concurrent.TimeUnit.SECONDS);
      ws.sendText("b", true).get(10, java.util.concurrent.TimeUnit.SECONDS);
      ws.sendText("bye", true).get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(closeCode.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(4001);
      assertThat(got).containsExactly("echo a", "echo b");
      assertThat(headersLeft.get()).isZero();
    } finally {
      server.disposeNow();
    }
  }
}
