package dev.concord.gateway.rest;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import tools.jackson.databind.node.ObjectNode;

/**
 * Any bytes as the body of {@code POST /channels/{id}/messages}: the binders (content, embeds,
 * allowed mentions, nonce, reply reference) answer with values or a {@link RestException} (a 400 in
 * Discord's shape), never another exception; and the embeds they pass on are valid JSON.
 */
class MessageBodyFuzzTest {
  @FuzzTest(maxDuration = "10s")
  @DictionaryFile(resourcePath = "rest-bodies.dict")
  void anyBody(byte[] bytes) {
    try {
      ObjectNode body = RestIo.parseObject(bytes);
      String content = MessageBodies.content(body);
      String embeds = MessageBodies.embeds(body);
      MessageBodies.requireSomething(content, embeds == null ? "" : embeds);
      MessageBodies.allowedMentions(body);
      RestIo.string(body, "nonce", "");
      RestIo.bool(body, "enforce_nonce", false);
      if (embeds != null) {
        RestIo.JSON.readTree(embeds); // what goes on to the guild pod must parse
      }
    } catch (RestException expected) {
      // a 400 with Discord's error body
    }
  }
}
