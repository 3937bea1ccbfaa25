package dev.concord.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;

class ClientJsonTest {
  @Test
  void deepNestingAndHugeNumbers_areRefusedBeforeTheTreeIsBuilt() {
    var json = ClientJson.mapper();
    String deep = "[".repeat(ClientJson.MAX_DEPTH + 1) + "]".repeat(ClientJson.MAX_DEPTH + 1);
    assertThatThrownBy(() -> json.readTree(deep)).isInstanceOf(JacksonException.class).hasMessageContaining("nesting depth");
    assertThatThrownBy(() -> json.readTree("{\"n\":" + "9".repeat(1000) + "}")).isInstanceOf(JacksonException.class);
    // what clients really send passes
    assertThat(json.readTree("{\"op\":2,\"d\":{\"token\":\"t\",\"intents\":33281,\"shard\":[0,1],\"presence\":{\"activities\":[{\"name\":\"x\"}]}}}").path("op").asInt())
        .isEqualTo(2);
    assertThat(json.readTree("{\"id\":\"1574124765818392576\",\"n\":12345678901234567890}").path("n").isIntegralNumber()).isTrue();
  }

  @Test
  void arraysOfMoreElementsThanTheTokenBound_areRefused() {
    var json = ClientJson.mapper();
    String many = "[" + "0,".repeat(ClientJson.MAX_TOKENS) + "0]";
    assertThatThrownBy(() -> json.readTree(many)).isInstanceOf(JacksonException.class).hasMessageContaining("Token count");
    // a bulk delete of 100 ids, or ten embeds of 25 fields, is far below it
    String hundredIds = "{\"messages\":[" + "\"1574124765818392576\",".repeat(99) + "\"1574124765818392576\"]}";
    assertThat(json.readTree(hundredIds).path("messages").size()).isEqualTo(100);
    String field = "{\"name\":\"n\",\"value\":\"v\",\"inline\":true}";
    String embed = "{\"title\":\"t\",\"fields\":[" + (field + ",").repeat(24) + field + "]}";
    String embeds = "{\"content\":\"c\",\"embeds\":[" + (embed + ",").repeat(9) + embed + "]}";
    assertThat(json.readTree(embeds).path("embeds").size()).isEqualTo(10);
  }
}
