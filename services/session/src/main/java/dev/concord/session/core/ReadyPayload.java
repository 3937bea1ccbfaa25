package dev.concord.session.core;

import com.google.protobuf.ByteString;
import dev.concord.proto.guild.v1.User;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * READY's {@code d} for a new session: the user, its guilds (each unavailable until its
 * GUILD_CREATE), the session id and resume URL, and the empty lists Discord's clients expect.
 */
final class ReadyPayload {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private ReadyPayload() {}

  static ByteString of(Session s, User user, List<Long> mine, String resumeUrl, String podId) {
    ObjectNode d = JSON.createObjectNode();
    d.put("v", 10);
    ObjectNode u = d.putObject("user");
    u.put("id", Long.toUnsignedString(user.getId()));
    u.put("username", user.getUsername());
    u.put("discriminator", "0");
    if (user.getGlobalName().isEmpty()) {
      u.putNull("global_name");
    } else {
      u.put("global_name", user.getGlobalName());
    }
    u.putNull("avatar");
    u.put("bot", user.getBot());
    u.put("mfa_enabled", false);
    u.put("verified", true);
    u.putNull("email");
    u.put("flags", 0);
    ArrayNode gs = d.putArray("guilds");
    for (long g : mine) {
      gs.addObject().put("id", Long.toUnsignedString(g)).put("unavailable", true);
    }
    d.put("session_id", s.id);
    d.put("session_type", "normal");
    d.put("resume_gateway_url", resumeUrl);
    if (s.shardCount > 0) {
      d.putArray("shard").add(s.shardId).add(s.shardCount);
    }
    d.putObject("application").put("id", Long.toUnsignedString(user.getId())).put("flags", 0);
    d.putArray("private_channels");
    d.putArray("relationships");
    d.putArray("presences");
    d.putArray("guild_join_requests");
    d.putArray("geo_ordered_rtc_regions");
    d.putObject("auth");
    d.putArray("_trace").add("concord-session-" + podId);
    return ByteString.copyFrom(JSON.writeValueAsBytes(d));
  }
}
