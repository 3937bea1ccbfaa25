package dev.concord.session.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class MemberListRangesTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static int[] parse(String channels) {
    return MemberListRanges.parse(JSON.readTree(channels));
  }

  @Test
  void rangesOfAllChannelsTogether_duplicatesOnce() {
    assertThat(parse("{\"1\":[[0,99],[100,199]],\"2\":[[0,99]]}")).containsExactly(0, 99, 100, 199);
    assertThat(parse("{}")).isEmpty();
  }

  @Test
  void badRangesAreRefused() {
    assertThatThrownBy(() -> parse("{\"1\":[[0,100]]}")).hasMessageContaining("at most 100 items");
    assertThatThrownBy(() -> parse("{\"1\":[[5,4]]}")).hasMessageContaining("start <= end");
    assertThatThrownBy(() -> parse("{\"1\":[[-1,4]]}")).hasMessageContaining("0 <= start");
    assertThatThrownBy(() -> parse("{\"1\":[[0]]}")).hasMessageContaining("[start, end]");
    assertThatThrownBy(() -> parse("{\"1\":[[0.5,4]]}")).hasMessageContaining("[start, end]");
    assertThatThrownBy(() -> parse("{\"1\":[0,4]}")).hasMessageContaining("[start, end]");
    assertThatThrownBy(() -> parse("[[0,4]]")).hasMessageContaining("object");
    assertThatThrownBy(() -> parse("{\"1\":[[0,9],[10,19],[20,29],[30,39],[40,49],[50,59]]}")).hasMessageContaining("at most 5");
  }
}
