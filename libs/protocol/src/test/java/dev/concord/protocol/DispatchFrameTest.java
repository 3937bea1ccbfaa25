package dev.concord.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class DispatchFrameTest {
  @Test
  void frame_isValidJsonWithPayloadUnchanged() {
    byte[] payload = "{\"id\":\"1\",\"content\":\"h\\u00e9\"}".getBytes(StandardCharsets.UTF_8);
    byte[] frame = DispatchFrame.frame(7, "MESSAGE_CREATE", payload);
    JsonNode node = JsonMapper.builder().build().readTree(frame);
    assertThat(node.get("op").asInt()).isEqualTo(0);
    assertThat(node.get("s").asLong()).isEqualTo(7);
    assertThat(node.get("t").asString()).isEqualTo("MESSAGE_CREATE");
    assertThat(node.get("d").get("content").asString()).isEqualTo("hé");
  }

  @Test
  void control_hasNullSequenceAndType() {
    JsonNode node =
        JsonMapper.builder().build().readTree(DispatchFrame.control(11, "null"));
    assertThat(node.get("op").asInt()).isEqualTo(11);
    assertThat(node.get("s").isNull()).isTrue();
    assertThat(node.get("t").isNull()).isTrue();
  }
}
