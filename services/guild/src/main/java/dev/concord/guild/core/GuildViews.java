package dev.concord.guild.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Read-only operations: the guild, its channels, members and roles as Discord objects, and the
 * member chunks of a gateway op 8. Run on the guild's loop (they read its state) and write nothing,
 * so they complete without waiting for the journal.
 */
public final class GuildViews {
  /** Members per GUILD_MEMBERS_CHUNK at most (Discord's bound). */
  public static final int CHUNK_SIZE = 1000;

  private final OpContext ctx;

  public GuildViews(OpContext ctx) {
    this.ctx = ctx;
  }

  /** The guild object; with counts, {@code approximate_member_count} and {@code approximate_presence_count}. */
  public GuildOp<byte[]> guild(long actorId, boolean withCounts) {
    return (g, step) -> {
      long perms = Checks.guildPermissions(g, actorId);
      ObjectNode n = ctx.payloads().guildBase(g);
      if (actorId != 0) {
        // the caller's own permissions, as /users/@me/guilds lists them (all defined bits for the owner)
        n.put("permissions", Long.toUnsignedString(perms == Permissions.ALL ? (1L << 51) - 1 : perms));
      }
      if (withCounts) {
        n.put("approximate_member_count", g.members.size());
        n.put("approximate_presence_count", g.presences.size());
      }
      return ctx.payloads().bytes(n);
    };
  }

  /** One channel ({@code channelId != 0}) or every channel the actor can view, as Discord objects. */
  public GuildOp<byte[]> channels(long actorId, long channelId) {
    return (g, step) -> {
      if (channelId != 0) {
        GuildState.Channel c = Checks.channel(g, channelId);
        Checks.viewerPermissions(g, actorId, c);
        return ctx.payloads().bytes(ctx.payloads().channel(g.id, c));
      }
      Checks.guildPermissions(g, actorId);
      ArrayNode out = ctx.payloads().array();
      GuildState.Member self = g.members.get(actorId);
      for (GuildState.Channel c : g.channels.values()) {
        if (actorId == 0 || Permissions.canView(g, self, c)) {
          out.add(ctx.payloads().channel(g.id, c));
        }
      }
      return ctx.payloads().bytes(out);
    };
  }

  /**
   * One member ({@code userId != 0}, 10007 if none) or at most {@code limit} (1..1000) members with
   * user id above {@code after}, in user id order (unsigned).
   */
  public GuildOp<byte[]> members(long actorId, long userId, int limit, long after) {
    if (userId == 0 && (limit < 1 || limit > 1000)) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, GuildException.INVALID_FORM_BODY, "limit out of range: " + limit + " (expected: 1..1000)");
    }
    return (g, step) -> {
      Checks.guildPermissions(g, actorId);
      if (userId != 0) {
        GuildState.Member m = g.members.get(userId);
        if (m == null) {
          throw Checks.notAMember(GuildException.Kind.NOT_FOUND, userId, g.id);
        }
        return ctx.payloads().bytes(ctx.payloads().member(m, ctx.users().get(userId), true));
      }
      ArrayNode out = ctx.payloads().array();
      g.members.keySet().stream()
          .filter(id -> Long.compareUnsigned(id, after) > 0)
          .sorted(Long::compareUnsigned)
          .limit(limit)
          .forEach(id -> out.add(ctx.payloads().member(g.members.get(id), ctx.users().get(id), true)));
      return ctx.payloads().bytes(out);
    };
  }

  public GuildOp<byte[]> roles(long actorId) {
    return (g, step) -> {
      Checks.guildPermissions(g, actorId);
      ArrayNode out = ctx.payloads().array();
      for (GuildState.Role r : g.roles.values()) {
        out.add(ctx.payloads().role(r));
      }
      return ctx.payloads().bytes(out);
    };
  }

  /**
   * Gateway op 8: the members whose username (or global name) starts with {@code query}
   * (case-insensitive) or whose ids are in {@code userIds}, at most {@code limit} (0 with an empty
   * query or with ids: no limit beyond the guild), as GUILD_MEMBERS_CHUNK objects of at most
   * {@link #CHUNK_SIZE} members. Always at least one chunk.
   */
  public GuildOp<List<byte[]>> memberChunks(String query, List<Long> userIds, int limit, boolean presences, String nonce) {
    if (userIds.size() > 100) {
      throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, "user_ids: " + userIds.size() + " ids (expected: <= 100)");
    }
    if (limit < 0 || limit > 100 && !query.isEmpty()) {
      throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, "limit out of range: " + limit + " (expected: 0..100 with a query)");
    }
    String prefix = query.toLowerCase(Locale.ROOT);
    return (g, step) -> {
      List<GuildState.Member> matched = new ArrayList<>();
      List<Long> notFound = new ArrayList<>();
      if (!userIds.isEmpty()) {
        for (long id : Set.copyOf(userIds)) {
          GuildState.Member m = g.members.get(id);
          if (m == null) {
            notFound.add(id);
          } else {
            matched.add(m);
          }
        }
      } else {
        int max = limit == 0 ? Integer.MAX_VALUE : limit;
        for (GuildState.Member m : g.members.values()) {
          if (matched.size() >= max) {
            break;
          }
          Users.User u = ctx.users().get(m.userId());
          if (prefix.isEmpty()
              || u.username().toLowerCase(Locale.ROOT).startsWith(prefix)
              || u.globalName() != null && u.globalName().toLowerCase(Locale.ROOT).startsWith(prefix)) {
            matched.add(m);
          }
        }
      }
      int count = Math.max(1, (matched.size() + CHUNK_SIZE - 1) / CHUNK_SIZE);
      List<byte[]> chunks = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        ObjectNode d = ctx.payloads().json().createObjectNode();
        d.put("guild_id", Long.toUnsignedString(g.id));
        ArrayNode members = d.putArray("members");
        ArrayNode pres = presences ? d.putArray("presences") : null;
        for (GuildState.Member m : matched.subList(i * CHUNK_SIZE, Math.min(matched.size(), (i + 1) * CHUNK_SIZE))) {
          members.add(ctx.payloads().member(m, ctx.users().get(m.userId()), true));
          byte[] p = pres == null ? null : g.presences.get(m.userId());
          if (p != null) {
            pres.add(ctx.payloads().json().readTree(p));
          }
        }
        d.put("chunk_index", i);
        d.put("chunk_count", count);
        if (i == 0 && !notFound.isEmpty()) {
          ArrayNode nf = d.putArray("not_found");
          notFound.forEach(id -> nf.add(Long.toUnsignedString(id)));
        }
        if (!nonce.isEmpty()) {
          d.put("nonce", nonce);
        }
        chunks.add(ctx.payloads().bytes(d));
      }
      return chunks;
    };
  }
}
