package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import dev.concord.protocol.Intents;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/** Operations on a guild's members: joining, roles, presence. */
public final class MemberOps {
  private final OpContext ctx;

  public MemberOps(OpContext ctx) {
    this.ctx = ctx;
  }

  public GuildOp<GuildState.Member> add(long userId) {
    Users.User user = ctx.users().get(userId);
    return (g, step) -> {
      if (g.members.containsKey(userId)) {
        throw new GuildException(
            GuildException.Kind.ALREADY_EXISTS,
            "user " + Long.toUnsignedString(userId) + " is already a member of guild " + Long.toUnsignedString(g.id));
      }
      GuildState.Member m = new GuildState.Member(userId, ctx.clock().millis());
      g.members.put(userId, m);
      g.membersChanged();
      step.write(new GuildStore.MemberRow(g.id, userId, Instant.ofEpochMilli(m.joinedAtMs()), List.of()));
      ObjectNode d = ctx.payloads().member(m, user, true);
      d.put("guild_id", Long.toUnsignedString(g.id));
      step.emit("GUILD_MEMBER_ADD", ctx.payloads().bytes(d), Intents.GUILD_MEMBERS);
      return m;
    };
  }

  /** Gives a member a role; dispatches GUILD_MEMBER_UPDATE (and changes what channels it sees). */
  public GuildOp<GuildState.Member> addRole(long userId, long roleId) {
    Users.User user = ctx.users().get(userId);
    return (g, step) -> {
      GuildState.Member m = g.members.get(userId);
      if (m == null) {
        throw Checks.notAMember(GuildException.Kind.NOT_FOUND, userId, g.id);
      }
      if (roleId == g.id || !g.roles.containsKey(roleId)) {
        throw new GuildException(
            GuildException.Kind.NOT_FOUND, "unknown role " + Long.toUnsignedString(roleId) + " (or @everyone, which every member has)");
      }
      Set<Long> roles = new LinkedHashSet<>(m.roles());
      roles.add(roleId);
      GuildState.Member updated = new GuildState.Member(userId, m.joinedAtMs(), Set.copyOf(roles));
      g.members.put(userId, updated);
      g.membersChanged();
      if (!m.roles().contains(roleId)) {
        step.write(new GuildStore.MemberRoleRow(g.id, userId, roleId));
      }
      step.refreshVisibility(u -> u == userId);
      ObjectNode d = ctx.payloads().member(updated, user, true);
      d.put("guild_id", Long.toUnsignedString(g.id));
      step.emit("GUILD_MEMBER_UPDATE", ctx.payloads().bytes(d), Intents.GUILD_MEMBERS);
      return updated;
    };
  }

  /** Stores a user's presence in the guild and dispatches PRESENCE_UPDATE (false: not a member). */
  public GuildOp<Boolean> presence(long userId, byte[] presenceJson) {
    return (g, step) -> {
      if (!g.members.containsKey(userId)) {
        return false;
      }
      ObjectNode d = (ObjectNode) ctx.payloads().json().readTree(presenceJson);
      d.put("guild_id", Long.toUnsignedString(g.id));
      byte[] withGuild = ctx.payloads().bytes(d);
      if ("offline".equals(d.path("status").asString(""))) {
        g.presences.remove(userId);
      } else {
        g.presences.put(userId, withGuild);
      }
      step.emit("PRESENCE_UPDATE", withGuild, Intents.GUILD_PRESENCES);
      return true;
    };
  }
}
