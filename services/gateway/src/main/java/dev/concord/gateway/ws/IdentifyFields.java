package dev.concord.gateway.ws;

import com.google.protobuf.ByteString;
import dev.concord.proto.session.v1.Identify;
import dev.concord.protocol.CloseCode;
import dev.concord.protocol.Intents;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * IDENTIFY's {@code d} checked and turned into the session link's {@link Identify} (the user is
 * set once the token is verified), or the close code and reason Discord gives for what is wrong:
 * 4002 for a missing token, intents or a bad capabilities field, 4013 for invalid intents, 4010
 * for a bad shard.
 */
final class IdentifyFields {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Either {@code identify} (valid) or a {@code closeCode} and {@code reason}. */
  record Parsed(Identify.@Nullable Builder identify, int closeCode, String reason) {
    static Parsed refused(CloseCode code, String reason) {
      return new Parsed(null, code.code(), reason);
    }
  }

  private IdentifyFields() {}

  static Parsed parse(@Nullable JsonNode d, String resumeGatewayUrl) {
    if (d == null || !d.isObject() || !d.path("token").isString()) {
      return Parsed.refused(CloseCode.DECODE_ERROR, "identify needs d.token");
    }
    JsonNode intentsNode = d.get("intents");
    if (intentsNode == null || !intentsNode.isIntegralNumber()) {
      return Parsed.refused(CloseCode.DECODE_ERROR, "identify needs integer d.intents");
    }
    if (!intentsNode.canConvertToLong() || !Intents.isValid(intentsNode.asLong())) {
      return Parsed.refused(CloseCode.INVALID_INTENTS, "invalid intents");
    }
    int shardId = 0;
    int shardCount = 0;
    JsonNode shard = d.get("shard");
    if (shard != null && !shard.isNull()) {
      if (!shard.isArray() || shard.size() != 2 || !shard.get(0).isIntegralNumber() || !shard.get(1).isIntegralNumber()) {
        return Parsed.refused(CloseCode.INVALID_SHARD, "shard must be [id, count]");
      }
      shardId = shard.get(0).asInt();
      shardCount = shard.get(1).asInt();
      if (shardCount < 1 || shardCount > 4096 || shardId < 0 || shardId >= shardCount) {
        return Parsed.refused(CloseCode.INVALID_SHARD, "invalid shard");
      }
    }
    JsonNode capabilities = d.path("capabilities");
    if (!capabilities.isMissingNode() && !capabilities.isNull() && !(capabilities.isIntegralNumber() && capabilities.canConvertToLong())) {
      return Parsed.refused(CloseCode.DECODE_ERROR, "capabilities must be an integer");
    }
    JsonNode properties = d.path("properties");
    Identify.Builder b =
        Identify.newBuilder()
            .setIntents(intentsNode.asLong())
            .setOs(text(properties, "os"))
            .setBrowser(text(properties, "browser"))
            .setDevice(text(properties, "device"))
            .setLargeThreshold(Math.clamp(d.path("large_threshold").asInt(50), 50, 250))
            .setShardId(shardId)
            .setShardCount(shardCount)
            .setCapabilities(capabilities.asLong(0))
            .setResumeGatewayUrl(resumeGatewayUrl);
    JsonNode presence = d.get("presence");
    if (presence != null && presence.isObject()) {
      b.setPresenceJson(ByteString.copyFrom(JSON.writeValueAsBytes(presence)));
    }
    return new Parsed(b, 0, "");
  }

  /** A property string, at most 64 characters ("" if absent or not a string). */
  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isString()) {
      return "";
    }
    String s = v.asString();
    return s.length() > 64 ? s.substring(0, 64) : s;
  }
}
