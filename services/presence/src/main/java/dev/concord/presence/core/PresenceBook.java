package dev.concord.presence.core;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every online user's presence, per session, and the aggregate others see.
 *
 * <p>Aggregation: a session that is {@code invisible} or {@code offline} counts as offline to
 * others. Of the remaining sessions, the status shown is the first of dnd, online, idle that any
 * session has (an explicit do-not-disturb wins; an active device beats an idle one);
 * {@code client_status} lists the same per platform; activities come from the most recently
 * updated visible session. Changes are reported only when the aggregate (as JSON) changed.
 *
 * <p>Bounds: at most {@code maxSessionsPerUser} sessions per user (the oldest is evicted).
 *
 * <p>Concurrency: users live in a concurrent map; each user's entry is updated under its own
 * monitor, so updates of different users never contend.
 */
public final class PresenceBook {
  public record SessionPresence(String status, String platform, String activitiesJson) {}

  /** The result of an update: the aggregate as JSON if it changed, and the visible status. */
  public record Change(Optional<byte[]> changedPresenceJson, String status) {}

  static final List<String> PRIORITY = List.of("dnd", "online", "idle");
  static final Set<String> STATUSES = Set.of("online", "idle", "dnd", "invisible", "offline");

  private static final class UserEntry {
    final LinkedHashMap<String, SessionPresence> sessions = new LinkedHashMap<>();
    String lastJson = "";
  }

  private final ConcurrentHashMap<Long, UserEntry> users = new ConcurrentHashMap<>();
  private final JsonMapper json = JsonMapper.builder().build();
  private final int maxSessionsPerUser;

  public PresenceBook(int maxSessionsPerUser) {
    this.maxSessionsPerUser = maxSessionsPerUser;
  }

  public static boolean isValidStatus(String status) {
    return STATUSES.contains(status);
  }

  public Change update(long userId, String sessionId, SessionPresence presence) {
    UserEntry e = users.computeIfAbsent(userId, id -> new UserEntry());
    synchronized (e) {
      e.sessions.remove(sessionId); // re-insert last: insertion order = update order
      e.sessions.put(sessionId, presence);
      while (e.sessions.size() > maxSessionsPerUser) {
        e.sessions.remove(e.sessions.keySet().iterator().next());
      }
      return recompute(userId, e);
    }
  }

  public Change end(long userId, String sessionId) {
    UserEntry e = users.get(userId);
    if (e == null) {
      return new Change(Optional.empty(), "offline");
    }
    synchronized (e) {
      e.sessions.remove(sessionId);
      Change c = recompute(userId, e);
      if (e.sessions.isEmpty()) {
        users.remove(userId, e);
      }
      return c;
    }
  }

  /** The aggregate as JSON (status offline when unknown). */
  public byte[] current(long userId) {
    UserEntry e = users.get(userId);
    if (e == null) {
      return aggregate(userId, Map.of()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    synchronized (e) {
      return aggregate(userId, e.sessions).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  public int onlineUsers() {
    return users.size();
  }

  private Change recompute(long userId, UserEntry e) {
    String agg = aggregate(userId, e.sessions);
    String status = json.readTree(agg).path("status").asString();
    if (agg.equals(e.lastJson)) {
      return new Change(Optional.empty(), status);
    }
    e.lastJson = agg;
    return new Change(Optional.of(agg.getBytes(java.nio.charset.StandardCharsets.UTF_8)), status);
  }

  private String aggregate(long userId, Map<String, SessionPresence> sessions) {
    Map<String, String> byPlatform = new HashMap<>();
    String best = "offline";
    String activities = "[]";
    for (SessionPresence p : sessions.values()) {
      if (!PRIORITY.contains(p.status())) {
        continue;
      }
      activities = p.activitiesJson(); // later sessions overwrite: most recent wins
      if (rank(p.status()) < rank(best)) {
        best = p.status();
      }
      byPlatform.merge(p.platform(), p.status(), (a, b) -> rank(a) <= rank(b) ? a : b);
    }
    ObjectNode n = json.createObjectNode();
    n.putObject("user").put("id", Long.toUnsignedString(userId));
    n.put("status", best);
    n.set("activities", "offline".equals(best) ? json.createArrayNode() : json.readTree(activities));
    ObjectNode cs = n.putObject("client_status");
    for (String platform : List.of("desktop", "mobile", "web")) {
      String s = byPlatform.get(platform);
      if (s != null) {
        cs.put(platform, s);
      }
    }
    return json.writeValueAsString(n);
  }

  private static int rank(String status) {
    int i = PRIORITY.indexOf(status);
    return i < 0 ? PRIORITY.size() : i;
  }
}
