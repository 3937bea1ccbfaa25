package dev.concord.session.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class CatchUpContentTest {
  private static final ByteString MESSAGE =
      ByteString.copyFromUtf8(
          "{\"id\":\"9\",\"content\":\"hello <@7>\",\"author\":{\"id\":\"5\"},\"mentions\":[{\"id\":\"7\"}],"
              + "\"embeds\":[{\"title\":\"t\"}],\"attachments\":[{\"id\":\"1\"}]}");

  @Test
  void othersGetItStripped() {
    String out = CatchUpContent.forReceiver(MESSAGE, 6).toStringUtf8();
    assertThat(out).contains("\"content\":\"\"").contains("\"embeds\":[]").contains("\"attachments\":[]").contains("\"id\":\"9\"");
  }

  @Test
  void authorAndMentionedGetItWhole() {
    assertThat(CatchUpContent.forReceiver(MESSAGE, 5)).isSameAs(MESSAGE);
    assertThat(CatchUpContent.forReceiver(MESSAGE, 7)).isSameAs(MESSAGE);
  }

  @Test
  void notJson_isPassedOn() {
    ByteString junk = ByteString.copyFromUtf8("not json");
    assertThat(CatchUpContent.forReceiver(junk, 1)).isSameAs(junk);
  }
}
