package dev.concord.session.core;

import com.google.protobuf.ByteString;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A session's own presence as its client states it: IDENTIFY's {@code presence} and op 3. Only
 * the session's status and activities change here; publishing them is the caller's.
 */
final class SessionPresence {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final List<String> STATUSES = List.of("online", "idle", "dnd", "invisible", "offline");

  private SessionPresence() {}

  /** IDENTIFY's {@code presence} (JSON, or empty): a bad one just leaves the defaults. */
  static void fromIdentify(Session s, ByteString json) {
    if (json.isEmpty()) {
      return;
    }
    try {
      JsonNode p = JSON.readTree(json.toByteArray());
      String status = p.path("status").asString("online");
      if (STATUSES.contains(status) && !status.equals("offline")) {
        s.status = status;
      }
      if (p.path("activities").isArray()) {
        s.activitiesJson = JSON.writeValueAsString(p.path("activities"));
      }
    } catch (JacksonException e) {
      // the gateway checked the shape; a bad presence just means the default
    }
  }

  /**
   * Op 3 (the whole frame): applies its status and activities; false (nothing changed) when the
   * status is not one of Discord's.
   *
   * @throws JacksonException the frame is not JSON
   */
  static boolean fromUpdate(Session s, byte[] frame) {
    JsonNode d = JSON.readTree(frame).path("d");
    String status = d.path("status").asString("");
    if (!STATUSES.contains(status)) {
      return false;
    }
    s.status = status;
    JsonNode acts = d.path("activities");
    s.activitiesJson = acts.isArray() ? JSON.writeValueAsString(acts) : "[]";
    return true;
  }
}
