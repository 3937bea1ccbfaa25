package dev.concord.guild.core;

import dev.concord.protocol.Intents;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/**
 * A guild as one member's session sees it on joining: the GUILD_CREATE {@code d} object and the
 * channels hidden from the member. Runs on the guild's loop (reads its state).
 *
 * <p>The full members and channels arrays are serialized once and shared by every join until the
 * next change (a reconnect storm joins a guild thousands of times between changes). So are the
 * guild-wide fields (id, name, owner, roles and the ones Discord sends constant): 32 of the 45
 * fields of GUILD_CREATE, built as a tree and written per join before (bench-load, 5 000 clients
 * connecting: the guild loop allocated 14.5 KB per join before, 12.5 KB after).
 */
final class GuildSnapshot {
  private final Payloads payloads;
  private final Users users;

  GuildSnapshot(Payloads payloads, Users users) {
    this.payloads = payloads;
    this.users = users;
  }

  /**
   * Online members (and presences) a large guild's GUILD_CREATE carries at most: a guild with
   * 200 000 online would otherwise render 107 MB on its loop per join (measured by make
   * bench-large); a bot asks for the rest with op 8.
   */
  static final int MAX_ONLINE_MEMBERS = 1000;

  /** The GUILD_CREATE {@code d} object {@code self} gets on joining, serialized. */
  byte[] guildCreate(GuildState g, GuildState.Member self, long intents, int largeThreshold, long[] hidden) {
    return concat(base(g), payloads.bytes(memberPart(g, self, intents, largeThreshold, hidden)));
  }

  private byte[] base(GuildState g) {
    byte[] b = g.baseJson;
    if (b == null) {
      b = payloads.bytes(payloads.guildBase(g));
      g.baseJson = b;
    }
    return b;
  }

  /** Two serialized JSON objects, each with at least one field, as one: {@code {a..} + {b..} = {a..,b..}}. */
  static byte[] concat(byte[] first, byte[] second) {
    if (first.length < 3 || first[first.length - 1] != '}' || second.length < 3 || second[0] != '{') {
      throw new IllegalArgumentException("not two non-empty JSON objects");
    }
    byte[] out = new byte[first.length + second.length - 1];
    System.arraycopy(first, 0, out, 0, first.length - 1);
    out[first.length - 1] = ',';
    System.arraycopy(second, 1, out, first.length, second.length - 1);
    return out;
  }

  /** What depends on the member and on what changes often: everything after the guild-wide fields. */
  private ObjectNode memberPart(GuildState g, GuildState.Member self, long intents, int largeThreshold, long[] hidden) {
    ObjectNode n = payloads.json().createObjectNode();
    int memberCount = g.members.size();
    boolean large = memberCount > largeThreshold;
    n.put("joined_at", Payloads.iso(self.joinedAtMs()));
    n.put("large", large);
    n.put("unavailable", false);
    n.put("member_count", memberCount);
    n.putArray("voice_states");
    if (large && Intents.permits(intents, Intents.GUILD_PRESENCES)) {
      // Discord's rule for large guilds: the online members (and the receiver), the rest by op 8
      n.putRawValue("members", new RawValue(onlineMembersWith(g, self)));
    } else if (large) {
      n.putArray("members").add(payloads.member(self, users.get(self.userId()), true));
    } else {
      if (g.membersJson == null) {
        ArrayNode all = payloads.array();
        for (GuildState.Member m : g.members.values()) {
          all.add(payloads.member(m, users.get(m.userId()), true));
        }
        g.membersJson = payloads.json().writeValueAsString(all);
      }
      n.putRawValue("members", new RawValue(g.membersJson));
    }
    if (hidden.length == 0) {
      if (g.channelsJson == null) {
        ArrayNode all = payloads.array();
        for (GuildState.Channel c : g.channels.values()) {
          all.add(payloads.channel(g.id, c));
        }
        g.channelsJson = payloads.json().writeValueAsString(all);
      }
      n.putRawValue("channels", new RawValue(g.channelsJson));
    } else {
      ArrayNode channels = n.putArray("channels");
      for (GuildState.Channel c : g.channels.values()) {
        if (java.util.Arrays.binarySearch(hidden, c.id()) < 0) {
          channels.add(payloads.channel(g.id, c));
        }
      }
    }
    n.putArray("threads");
    ArrayNode presences = n.putArray("presences");
    if (Intents.permits(intents, Intents.GUILD_PRESENCES)) {
      int shown = 0;
      for (byte[] p : g.presences.values()) {
        if (large && shown++ == MAX_ONLINE_MEMBERS) {
          break; // the same bound as the members: the rest through op 8 with presences
        }
        presences.add(payloads.json().readTree(p));
      }
    }
    n.putArray("stage_instances");
    n.putArray("guild_scheduled_events");
    n.putArray("soundboard_sounds");
    n.put("lazy", true);
    return n;
  }

  /**
   * The online members' array, at most {@link #MAX_ONLINE_MEMBERS} (shared by joins until a
   * member or presence changes), with {@code self} in front when it is not among them.
   */
  private String onlineMembersWith(GuildState g, GuildState.Member self) {
    if (g.onlineMembersJson == null) {
      ArrayNode online = payloads.array();
      long[] ids = new long[Math.min(MAX_ONLINE_MEMBERS, g.presences.size())];
      int n = 0;
      for (Long userId : g.presences.keySet()) {
        GuildState.Member m = g.members.get(userId);
        if (m != null) {
          if (n == ids.length) {
            break;
          }
          online.add(payloads.member(m, users.get(userId), true));
          ids[n++] = userId;
        }
      }
      g.onlineMembersJson = payloads.json().writeValueAsString(online);
      g.onlineMemberIds = java.util.Arrays.copyOf(ids, n);
      java.util.Arrays.sort(g.onlineMemberIds);
    }
    if (java.util.Arrays.binarySearch(g.onlineMemberIds, self.userId()) >= 0) {
      return g.onlineMembersJson;
    }
    String me = payloads.json().writeValueAsString(payloads.member(self, users.get(self.userId()), true));
    return g.onlineMembersJson.length() == 2 ? "[" + me + "]" : "[" + me + "," + g.onlineMembersJson.substring(1);
  }

  /** The channels {@code m} cannot view, sorted. */
  static long[] hiddenChannels(GuildState g, GuildState.Member m) {
    return g.channels.values().stream()
        .filter(c -> !Permissions.canView(g, m, c))
        .mapToLong(GuildState.Channel::id)
        .sorted()
        .toArray();
  }
}
