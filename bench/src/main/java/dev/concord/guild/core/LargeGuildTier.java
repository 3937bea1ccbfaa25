package dev.concord.guild.core;

import dev.concord.protocol.Intents;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The guild pod's side of {@code make bench-large} (in the guild core's package: it builds a
 * {@link GuildState} directly, as a load from the store would, without a store): the heap one
 * member costs on the guild pod (member, user, and for the online ones their presence), and the
 * GUILD_CREATE a session gets on joining the guild, as the real {@link GuildSnapshot} renders it.
 */
public final class LargeGuildTier {
  private LargeGuildTier() {}

  /** Builds a guild of {@code members} members, {@code online} of them online, and measures it. */
  public static Map<String, Object> measure(int members, int online) {
    long before = usedAfterGc();
    long guildId = 1L << 45;
    GuildState g = new GuildState(guildId, "Large", 1, Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES, 1);
    for (int c = 0; c < 20; c++) {
      long id = guildId + 1 + c;
      g.channels.put(id, new GuildState.Channel(id, "channel-" + c, "", 0, c, List.of()));
    }
    Users users = new Users(null, members + 1);
    List<dev.concord.guild.store.GuildStore.UserRow> rows = new ArrayList<>(10_000);
    for (int i = 0; i < members; i++) {
      long userId = 1_000_000L + i;
      rows.add(new dev.concord.guild.store.GuildStore.UserRow(userId, "user" + i, null, false));
      if (rows.size() == 10_000) {
        users.cacheAll(rows);
        rows.clear();
      }
      g.members.put(userId, new GuildState.Member(userId, 1_700_000_000_000L + i));
    }
    users.cacheAll(rows);
    long afterMembers = usedAfterGc();
    for (int i = 0; i < online; i++) {
      long userId = 1_000_000L + (long) i * members / online;
      g.presences.put(
          userId,
          ("{\"user\":{\"id\":\"" + userId + "\"},\"status\":\"online\",\"activities\":[],\"client_status\":{\"desktop\":\"online\"},\"guild_id\":\""
                  + guildId + "\"}")
              .getBytes(StandardCharsets.UTF_8));
    }
    long afterPresences = usedAfterGc();

    GuildSnapshot snapshots = new GuildSnapshot(new Payloads(), users);
    GuildState.Member self = g.members.get(1_000_000L + 1);
    Payloads payloads = new Payloads();
    long t0 = System.nanoTime();
    int botWithPresences = payloads.bytes(snapshots.guildCreate(g, self, Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.GUILD_PRESENCES, 250, new long[0])).length;
    long firstRenderNanos = System.nanoTime() - t0;
    t0 = System.nanoTime();
    int again = payloads.bytes(snapshots.guildCreate(g, self, Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.GUILD_PRESENCES, 250, new long[0])).length;
    long sharedRenderNanos = System.nanoTime() - t0;
    int botWithout = payloads.bytes(snapshots.guildCreate(g, self, Intents.GUILDS | Intents.GUILD_MESSAGES, 250, new long[0])).length;
    int webClient = payloads.bytes(snapshots.guildCreate(g, self, Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT, 50, new long[0])).length;

    // a web client's lazy member list instead: the first 100 items, one SYNC
    t0 = System.nanoTime();
    MemberList list = MemberList.of(g, users);
    long listBuildNanos = System.nanoTime() - t0;
    t0 = System.nanoTime();
    int listSync = payloads.bytes(list.update(payloads, g, list.sync(payloads, g, users, new int[] {0, 99}))).length;
    long listSyncNanos = System.nanoTime() - t0;
    t0 = System.nanoTime();
    int moved = list.remove(1_000_000L + 5);
    list.insert(1_000_000L + 5, "user5");
    long listChangeNanos = System.nanoTime() - t0;

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("members", members);
    out.put("online", online);
    out.put("heapBytesPerMember", (afterMembers - before) / (double) members);
    out.put("heapBytesPerOnlinePresence", (afterPresences - afterMembers) / (double) Math.max(1, online));
    out.put("guildHeapMiB", (afterPresences - before) / (double) (1 << 20));
    out.put("guildCreateBotWithPresencesBytes", botWithPresences);
    out.put("guildCreateBotWithPresencesFirstRenderMs", firstRenderNanos / 1e6);
    out.put("guildCreateBotWithPresencesSharedRenderMs", sharedRenderNanos / 1e6);
    out.put("guildCreateBotWithPresencesAgainBytes", again);
    out.put("guildCreateBotWithoutPresencesBytes", botWithout);
    out.put("guildCreateUserClientBytes", webClient);
    out.put("memberListSyncBytes", listSync);
    out.put("memberListBuildMs", listBuildNanos / 1e6);
    out.put("memberListSyncMs", listSyncNanos / 1e6);
    out.put("memberListChangeMs", listChangeNanos / 1e6);
    out.put("memberListMovedIndex", moved);
    // keep the guild reachable until measured
    out.put("checksum", g.members.size() + g.presences.size());
    return out;
  }

  static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
