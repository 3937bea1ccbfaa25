package dev.concord.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

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
}
