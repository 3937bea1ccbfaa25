package dev.concord.session.core;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The MESSAGE_CONTENT rule for messages a re-join catches up on (live events carry the guild's
 * pre-stripped copy in their content gate; catch-up messages come from the store as one object):
 * a receiver without the intent gets {@code content}, {@code embeds} and {@code attachments}
 * empty, unless it wrote the message or is mentioned in it.
 *
 * <p>Cost: a parse and a write per caught-up message and receiver; catch-up happens once per
 * failover and is bounded (500 messages per kind), so this stays off the live path.
 */
final class CatchUpContent {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private CatchUpContent() {}

  /** {@code message} as {@code userId} may see it without MESSAGE_CONTENT. */
  static ByteString forReceiver(ByteString message, long userId) {
    JsonNode n;
    try {
      n = JSON.readTree(message.toByteArray());
    } catch (JacksonException e) {
      return message; // not ours to judge: the guild pod rendered it
    }
    if (!(n instanceof ObjectNode o) || isUser(o.path("author"), userId)) {
      return message;
    }
    for (JsonNode m : o.path("mentions")) {
      if (isUser(m, userId)) {
        return message;
      }
    }
    o.put("content", "");
    o.putArray("embeds");
    o.putArray("attachments");
    return ByteString.copyFrom(JSON.writeValueAsString(o), StandardCharsets.UTF_8);
  }

  private static boolean isUser(JsonNode user, long userId) {
    return user.path("id").asString("").equals(Long.toUnsignedString(userId));
  }
}
