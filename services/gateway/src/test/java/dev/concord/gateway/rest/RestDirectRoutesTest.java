package dev.concord.gateway.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RestDirectRoutesTest {
  @Test
  void channelSegment_onlyTheExactSendPath() {
    assertThat(RestDirectRoutes.channelSegment("/api/v10/channels/123/messages")).isEqualTo("123");
    assertThat(RestDirectRoutes.channelSegment("/api/v10/channels/123/messages?x=1")).isEqualTo("123");
    // not a snowflake: still this route, which answers 50035 as the others do
    assertThat(RestDirectRoutes.channelSegment("/api/v10/channels/abc/messages")).isEqualTo("abc");
    assertThat(RestDirectRoutes.channelSegment("/api/v10/channels//messages")).isNull();
    assertThat(RestDirectRoutes.channelSegment("/api/v10/channels/messages")).isNull();
    assertThat(RestDirectRoutes.channelSegment("/api/v10/channels/1/2/messages")).isNull();
    assertThat(RestDirectRoutes.channelSegment("/api/v10/channels/123/messages/")).isNull();
    assertThat(RestDirectRoutes.channelSegment("/api/v10/channels/123/messages/bulk-delete")).isNull();
    assertThat(RestDirectRoutes.channelSegment("/api/v10/channels/123/messagesx")).isNull();
    assertThat(RestDirectRoutes.channelSegment("/api/v9/channels/123/messages")).isNull();
    assertThat(RestDirectRoutes.channelSegment("/gateway")).isNull();
    assertThat(RestDirectRoutes.channelSegment("")).isNull();
  }

  @Test
  void boundedBody_gathersBuffers_andRefusesPastTheBound() {
    var body = new RestDirectRoutes.BoundedBody(-1, 10);
    body.append(buf("{\"a\":"));
    body.append(buf("1}"));
    assertThat(new String(body.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");

    var exact = new RestDirectRoutes.BoundedBody(10, 10);
    exact.append(buf("0123456789"));
    assertThat(exact.bytes()).hasSize(10);
    assertThatThrownBy(() -> exact.append(buf("x")))
        .isInstanceOfSatisfying(RestException.class, e -> assertThat(e.code).isEqualTo(RestException.REQUEST_TOO_LARGE));

    // a declared length larger than the bound never allocates past it
    var declared = new RestDirectRoutes.BoundedBody(1 << 30, 10);
    assertThatThrownBy(() -> declared.append(buf("01234567890")))
        .isInstanceOfSatisfying(RestException.class, e -> assertThat(e.status.value()).isEqualTo(413));
  }

  private static ByteBuf buf(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
  }
}
