package dev.concord.guild.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/**
 * A guild's lazy member list (Discord's GUILD_MEMBER_LIST_UPDATE, list id {@code everyone}): the
 * online members sorted by display name, under one {@code online} group item at index 0. A client
 * subscribes to ranges of it (op 14 {@code channels}) instead of receiving every member: a SYNC op
 * per range, then INSERT, UPDATE and DELETE ops as members come online, change or go, each sent
 * only to the sessions whose ranges it touches (an insert or delete shifts everything after it).
 *
 * <p>Cost: built once, when the first session subscribes (O(online log online)); then a change is a
 * binary search and an array shift (O(online), ~0.1 ms at 200 000 online) on the guild's loop. No
 * subscriber, no list: a guild nobody looks at this way pays nothing.
 *
 * <p>Bounds: at most {@link #MAX_RANGES} ranges of at most {@link #MAX_RANGE_WIDTH} items per
 * session. Concurrency: the guild's loop only, like the rest of {@link GuildState}.
 */
final class MemberList {
  static final String LIST_ID = "everyone";
  static final int MAX_RANGES = 5;
  static final int MAX_RANGE_WIDTH = 100;

  private record Entry(String sortName, long userId) {}

  private static final java.util.Comparator<Entry> ORDER =
      java.util.Comparator.comparing(Entry::sortName).thenComparingLong(Entry::userId);

  /** Online members in list order; member k is item k + 1. */
  private final ArrayList<Entry> online = new ArrayList<>();

  private final Map<Long, Entry> byUser = new HashMap<>();
  /** Each subscribed session's ranges, inclusive [start, end] pairs. */
  private final Map<String, int[]> rangesBySession = new LinkedHashMap<>();

  /** Builds the list from the guild's presences (the online members). */
  static MemberList of(GuildState g, Users users) {
    MemberList list = new MemberList();
    for (Long userId : g.presences.keySet()) {
      GuildState.Member m = g.members.get(userId);
      if (m != null) {
        Entry e = new Entry(sortName(m, users.get(userId)), userId);
        list.online.add(e);
        list.byUser.put(userId, e);
      }
    }
    list.online.sort(ORDER);
    return list;
  }

  static String sortName(GuildState.Member m, Users.User u) {
    String name =
        m.nick() != null && !m.nick().isEmpty() ? m.nick() : u.globalName() != null && !u.globalName().isEmpty() ? u.globalName() : u.username();
    return name.toLowerCase(Locale.ROOT);
  }

  int onlineCount() {
    return online.size();
  }

  boolean hasSubscribers() {
    return !rangesBySession.isEmpty();
  }

  /** Sets (or with no ranges, removes) {@code sessionId}'s ranges. */
  void subscribe(String sessionId, int[] ranges) {
    if (ranges.length == 0) {
      rangesBySession.remove(sessionId);
    } else {
      rangesBySession.put(sessionId, ranges);
    }
  }

  void forget(String sessionId) {
    rangesBySession.remove(sessionId);
  }

  /** {@code userId} came online: its item index. */
  int insert(long userId, String sortName) {
    Entry e = new Entry(sortName, userId);
    int at = Collections.binarySearch(online, e, ORDER);
    int pos = at >= 0 ? at : -at - 1;
    online.add(pos, e);
    byUser.put(userId, e);
    return pos + 1;
  }

  /** {@code userId} went offline or left: the item index it had, or -1 if it was not listed. */
  int remove(long userId) {
    Entry e = byUser.remove(userId);
    if (e == null) {
      return -1;
    }
    int at = Collections.binarySearch(online, e, ORDER);
    online.remove(at);
    return at + 1;
  }

  /** The item index of {@code userId}, or -1. */
  int indexOf(long userId) {
    Entry e = byUser.get(userId);
    return e == null ? -1 : Collections.binarySearch(online, e, ORDER) + 1;
  }

  @Nullable String sortNameOf(long userId) {
    Entry e = byUser.get(userId);
    return e == null ? null : e.sortName();
  }

  /**
   * The sessions (by id) with a range an op at {@code index} touches: for an UPDATE those whose
   * ranges contain it, for an INSERT or DELETE those with a range ending at or after it.
   */
  List<String> touched(int index, boolean shifts) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, int[]> e : rangesBySession.entrySet()) {
      int[] r = e.getValue();
      for (int i = 0; i < r.length; i += 2) {
        if (shifts ? r[i + 1] >= index : r[i] <= index && index <= r[i + 1]) {
          out.add(e.getKey());
          break;
        }
      }
    }
    return out;
  }

  /** The GUILD_MEMBER_LIST_UPDATE {@code d} envelope, with {@code ops} to fill. */
  ObjectNode update(Payloads payloads, GuildState g, ArrayNode ops) {
    ObjectNode d = payloads.json().createObjectNode();
    d.put("guild_id", Long.toUnsignedString(g.id));
    d.put("id", LIST_ID);
    d.put("member_count", g.members.size());
    d.put("online_count", online.size());
    d.putArray("groups").addObject().put("id", "online").put("count", online.size());
    d.set("ops", ops);
    return d;
  }

  /** The SYNC ops of {@code ranges}: each range's items as they are now. */
  ArrayNode sync(Payloads payloads, GuildState g, Users users, int[] ranges) {
    ArrayNode ops = payloads.array();
    for (int i = 0; i < ranges.length; i += 2) {
      ObjectNode op = ops.addObject().put("op", "SYNC");
      op.putArray("range").add(ranges[i]).add(ranges[i + 1]);
      ArrayNode items = op.putArray("items");
      for (int index = ranges[i]; index <= ranges[i + 1] && index <= online.size(); index++) {
        items.add(item(payloads, g, users, index));
      }
    }
    return ops;
  }

  /** Item {@code index}: the group (0) or a member with its presence. */
  ObjectNode item(Payloads payloads, GuildState g, Users users, int index) {
    ObjectNode item = payloads.json().createObjectNode();
    if (index == 0) {
      item.putObject("group").put("id", "online").put("count", online.size());
      return item;
    }
    long userId = online.get(index - 1).userId();
    ObjectNode member = payloads.member(g.members.get(userId), users.get(userId), true);
    byte[] presence = g.presences.get(userId);
    if (presence != null) {
      member.putRawValue("presence", new RawValue(new String(presence, java.nio.charset.StandardCharsets.UTF_8)));
    }
    item.set("member", member);
    return item;
  }

  /** The sessions by pod of {@code sessionIds} still subscribed to the guild. */
  static Map<String, LinkedHashSet<Long>> byPod(GuildState g, List<String> sessionIds) {
    Map<String, LinkedHashSet<Long>> out = new HashMap<>();
    for (String id : sessionIds) {
      GuildState.Subscriber s = g.subscribers.get(id);
      if (s != null) {
        out.computeIfAbsent(s.podId(), p -> new LinkedHashSet<>()).add(s.sessionKey());
      }
    }
    return out;
  }
}
