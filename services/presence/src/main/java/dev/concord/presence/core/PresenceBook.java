package dev.concord.presence.core;

import java.util.HashMap;
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
  /**
   * One session's presence. Known statuses, platforms and the empty activity list are kept as
   * shared constants: each decoded request carries its own copies, ~50 B each per online session.
   */
  public record SessionPresence(String status, String platform, String activitiesJson) {
    public SessionPresence {
      status = canonical(status);
      platform = canonical(platform);
      activitiesJson = "[]".equals(activitiesJson) ? "[]" : activitiesJson;
    }
  }

  /** The result of an update: the aggregate as JSON if it changed, and the visible status. */
  public record Change(Optional<byte[]> changedPresenceJson, String status) {}

  static final List<String> PRIORITY = List.of("dnd", "online", "idle");
  static final Set<String> STATUSES = Set.of("online", "idle", "dnd", "invisible", "offline");
  private static final Map<String, String> CANONICAL =
      Map.of("online", "online", "idle", "idle", "dnd", "dnd", "invisible", "invisible", "offline", "offline", "desktop", "desktop", "mobile", "mobile", "web", "web");

  /**
   * A user's sessions, oldest update first, in two parallel arrays: most users have one session,
   * and a {@code LinkedHashMap} cost ~180 B for it (map, table, entry) against ~50 B here; a
   * user has at most {@code maxSessionsPerUser} (32) sessions, so the linear scans stay short.
   */
  private static final class UserEntry {
    String[] ids = new String[1];
    SessionPresence[] presences = new SessionPresence[1];
    int size;
    /** The aggregate last reported, as UTF-8 JSON. */
    byte[] lastJson = new byte[0];

    int indexOf(String sessionId) {
      for (int i = 0; i < size; i++) {
        if (ids[i].equals(sessionId)) {
          return i;
        }
      }
      return -1;
    }

    void remove(int i) {
      System.arraycopy(ids, i + 1, ids, i, size - i - 1);
      System.arraycopy(presences, i + 1, presences, i, size - i - 1);
      size--;
      ids[size] = null;
      presences[size] = null;
    }

    /** Appends (newest last): insertion order is update order. */
    void add(String sessionId, SessionPresence p) {
      if (size == ids.length) {
        ids = java.util.Arrays.copyOf(ids, 2 * size);
        presences = java.util.Arrays.copyOf(presences, 2 * size);
      }
      ids[size] = sessionId;
      presences[size] = p;
      size++;
    }
  }

  /** A user's aggregate presence as JSON, and the status others see (its {@code status}). */
  private record Aggregate(byte[] json, String status) {}

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
      int i = e.indexOf(sessionId);
      if (i >= 0) {
        e.remove(i); // re-insert last: insertion order = update order
      }
      e.add(sessionId, presence);
      while (e.size > maxSessionsPerUser) {
        e.remove(0);
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
      int i = e.indexOf(sessionId);
      if (i >= 0) {
        e.remove(i);
      }
      Change c = recompute(userId, e);
      if (e.size == 0) {
        users.remove(userId, e);
      }
      return c;
    }
  }

  /** The aggregate as JSON (status offline when unknown). */
  public byte[] current(long userId) {
    UserEntry e = users.get(userId);
    if (e == null) {
      return aggregate(userId, new SessionPresence[0], 0).json();
    }
    synchronized (e) {
      return aggregate(userId, e.presences, e.size).json();
    }
  }

  public int onlineUsers() {
    return users.size();
  }

  private Change recompute(long userId, UserEntry e) {
    Aggregate agg = aggregate(userId, e.presences, e.size);
    if (java.util.Arrays.equals(agg.json(), e.lastJson)) {
      return new Change(Optional.empty(), agg.status());
    }
    e.lastJson = agg.json();
    return new Change(Optional.of(agg.json().clone()), agg.status());
  }

  /** The aggregate of the first {@code count} of {@code sessions} (oldest update first). */
  private Aggregate aggregate(long userId, SessionPresence[] sessions, int count) {
    Map<String, String> byPlatform = new HashMap<>();
    String best = "offline";
    String activities = "[]";
    for (int i = 0; i < count; i++) {
      SessionPresence p = sessions[i];
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
    return new Aggregate(json.writeValueAsBytes(n), best);
  }

  private static String canonical(String s) {
    return s == null ? null : CANONICAL.getOrDefault(s, s);
  }

  private static int rank(String status) {
    int i = PRIORITY.indexOf(status);
    return i < 0 ? PRIORITY.size() : i;
  }
}
