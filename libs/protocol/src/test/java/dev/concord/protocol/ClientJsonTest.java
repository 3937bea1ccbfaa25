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
}
