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
  private final MemberListOps lists;

  public MemberOps(OpContext ctx) {
    this.ctx = ctx;
    this.lists = new MemberListOps(ctx);
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
    return addRole(0, userId, roleId);
  }

  /** As above, by {@code actorId} (MANAGE_ROLES, the role below the actor's highest). */
  public GuildOp<GuildState.Member> addRole(long actorId, long userId, long roleId) {
    Users.User user = ctx.users().get(userId);
    return (g, step) -> {
      if (actorId != 0) {
        Checks.require(Checks.guildPermissions(g, actorId), Permissions.MANAGE_ROLES, "MANAGE_ROLES");
        GuildState.Role r = g.roles.get(roleId);
        if (r != null) {
          Checks.below(g, actorId, r.position(), "role");
        }
      }
      GuildState.Member m = g.members.get(userId);
      if (m == null) {
        throw Checks.notAMember(GuildException.Kind.NOT_FOUND, userId, g.id);
      }
      if (roleId == g.id || !g.roles.containsKey(roleId)) {
        throw new GuildException(
            GuildException.Kind.NOT_FOUND,
            GuildException.UNKNOWN_ROLE,
            "unknown role " + Long.toUnsignedString(roleId) + " (or @everyone, which every member has)");
      }
      Set<Long> roles = new LinkedHashSet<>(m.roles());
      roles.add(roleId);
      GuildState.Member updated = m.withRoles(roles);
      g.members.put(userId, updated);
      g.membersChanged();
      if (!m.roles().contains(roleId)) {
        step.write(new GuildStore.MemberRoleRow(g.id, userId, roleId));
      }
      step.refreshVisibility(u -> u == userId);
      ObjectNode d = ctx.payloads().member(updated, user, true);
      d.put("guild_id", Long.toUnsignedString(g.id));
      step.emit("GUILD_MEMBER_UPDATE", ctx.payloads().bytes(d), Intents.GUILD_MEMBERS);
      lists.changed(g, step, userId);
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
        if (g.presences.remove(userId) != null) {
          g.presencesChanged();
          lists.offline(g, step, userId);
        }
      } else if (g.presences.put(userId, withGuild) == null) {
        g.presencesChanged(); // came online (a status or activity change keeps the members array)
        lists.online(g, step, userId);
      } else {
        lists.changed(g, step, userId);
      }
      step.emit("PRESENCE_UPDATE", withGuild, Intents.GUILD_PRESENCES);
      return true;
    };
  }

  /** Takes a role from a member (MANAGE_ROLES, below the actor's highest); GUILD_MEMBER_UPDATE. */
  public GuildOp<GuildState.Member> removeRole(long actorId, long userId, long roleId) {
    Users.User user = ctx.users().get(userId);
    return (g, step) -> {
      Checks.require(Checks.guildPermissions(g, actorId), Permissions.MANAGE_ROLES, "MANAGE_ROLES");
      GuildState.Role r = RoleOps.role(g, roleId);
      Checks.below(g, actorId, r.position(), "role");
      GuildState.Member m = member(g, userId);
      if (!m.roles().contains(roleId)) {
        return m;
      }
      Set<Long> roles = new LinkedHashSet<>(m.roles());
      roles.remove(roleId);
      GuildState.Member updated = m.withRoles(roles);
      g.members.put(userId, updated);
      g.membersChanged();
      step.write(new GuildStore.MemberRoleDelete(g.id, userId, roleId));
      step.refreshVisibility(u -> u == userId);
      emitUpdate(g, step, updated, user);
      return updated;
    };
  }

  /**
   * Removes a member: a kick by {@code actorId} (KICK_MEMBERS, a lower top role, never the owner),
   * or the member leaving ({@code actorId == userId}; the owner cannot). GUILD_MEMBER_REMOVE to
   * the others, GUILD_DELETE to the member's own sessions, which leave the guild.
   */
  public GuildOp<Boolean> remove(long actorId, long userId) {
    Users.User user = ctx.users().get(userId);
    return (g, step) -> {
      GuildState.Member m = member(g, userId);
      if (userId == g.ownerId) {
        throw new GuildException(
            GuildException.Kind.PERMISSION_DENIED, GuildException.MISSING_PERMISSIONS, "the owner cannot leave or be kicked (delete the guild instead)");
      }
      if (actorId != userId) {
        Checks.require(Checks.guildPermissions(g, actorId), Permissions.KICK_MEMBERS, "KICK_MEMBERS");
        protect(g, actorId, m);
      }
      ObjectNode gone = ctx.payloads().json().createObjectNode();
      gone.put("id", Long.toUnsignedString(g.id));
      step.emitToUser(userId, "GUILD_DELETE", ctx.payloads().bytes(gone), 0, true);
      lists.offline(g, step, userId);
      g.members.remove(userId);
      g.presences.remove(userId);
      g.membersChanged();
      step.write(new GuildStore.MemberDelete(g.id, userId));
      ObjectNode d = ctx.payloads().json().createObjectNode();
      d.put("guild_id", Long.toUnsignedString(g.id));
      d.set("user", ctx.payloads().user(user));
      step.emit("GUILD_MEMBER_REMOVE", ctx.payloads().bytes(d), Intents.GUILD_MEMBERS);
      return true;
    };
  }

  /**
   * PATCH of a member: the nickname (if {@code setNick}; null or "" removes it; another member's
   * needs MANAGE_NICKNAMES and a lower top role, one's own CHANGE_NICKNAME) and/or the
   * exact set of roles (if {@code roles} is not null; each role added or removed needs
   * MANAGE_ROLES and must be below the actor's highest role). One GUILD_MEMBER_UPDATE.
   */
  public GuildOp<GuildState.Member> update(
      long actorId, long userId, boolean setNick, @org.jspecify.annotations.Nullable String nick, java.util.@org.jspecify.annotations.Nullable List<Long> roles) {
    String next = nick == null || nick.isEmpty() ? null : nick;
    if (setNick && next != null) {
      Checks.name("nick", next, 1, 32);
    }
    if (roles != null && roles.size() > RoleOps.MAX_ROLES) {
      throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, GuildException.INVALID_FORM_BODY, "roles: too many (expected: <= " + RoleOps.MAX_ROLES + ")");
    }
    Users.User user = ctx.users().get(userId);
    return (g, step) -> {
      GuildState.Member m = member(g, userId);
      long perms = Checks.guildPermissions(g, actorId);
      GuildState.Member updated = m;
      if (setNick) {
        if (actorId == userId) {
          Checks.require(perms, Permissions.CHANGE_NICKNAME, "CHANGE_NICKNAME");
        } else {
          Checks.require(perms, Permissions.MANAGE_NICKNAMES, "MANAGE_NICKNAMES");
          protect(g, actorId, m);
        }
        updated = updated.withNick(next);
      }
      Set<Long> added = new LinkedHashSet<>();
      Set<Long> removed = new LinkedHashSet<>();
      if (roles != null) {
        Set<Long> wanted = new LinkedHashSet<>(roles);
        wanted.remove(g.id);
        for (long r : wanted) {
          RoleOps.role(g, r);
          if (!m.roles().contains(r)) {
            added.add(r);
          }
        }
        for (long r : m.roles()) {
          if (!wanted.contains(r)) {
            removed.add(r);
          }
        }
        if (!added.isEmpty() || !removed.isEmpty()) {
          Checks.require(perms, Permissions.MANAGE_ROLES, "MANAGE_ROLES");
          for (long r : added) {
            Checks.below(g, actorId, g.roles.get(r).position(), "role");
          }
          for (long r : removed) {
            GuildState.Role role = g.roles.get(r);
            if (role != null) {
              Checks.below(g, actorId, role.position(), "role");
            }
          }
        }
        updated = updated.withRoles(wanted);
      }
      g.members.put(userId, updated);
      g.membersChanged();
      if (setNick) {
        step.write(new GuildStore.MemberUpdate(g.id, userId, next));
      }
      for (long r : added) {
        step.write(new GuildStore.MemberRoleRow(g.id, userId, r));
      }
      for (long r : removed) {
        step.write(new GuildStore.MemberRoleDelete(g.id, userId, r));
      }
      if (!added.isEmpty() || !removed.isEmpty()) {
        step.refreshVisibility(u -> u == userId);
      }
      emitUpdate(g, step, updated, user);
      return updated;
    };
  }

  /**
   * The member's user changed (its names): GUILD_MEMBER_UPDATE with the user as {@code user} now
   * is, and with {@code notifyUser} USER_UPDATE to the user's own sessions in this guild. False
   * if the user is not a member (nothing sent).
   */
  public GuildOp<Boolean> refresh(long userId, boolean notifyUser) {
    Users.User user = ctx.users().reload(userId);
    return (g, step) -> {
      GuildState.Member m = g.members.get(userId);
      if (m == null) {
        return false;
      }
      g.membersChanged();
      emitUpdate(g, step, m, user);
      if (notifyUser) {
        step.emitToUser(userId, "USER_UPDATE", ctx.payloads().bytes(ctx.payloads().user(user)), 0, false);
      }
      return true;
    };
  }

  private static GuildState.Member member(GuildState g, long userId) {
    GuildState.Member m = g.members.get(userId);
    if (m == null) {
      throw Checks.notAMember(GuildException.Kind.NOT_FOUND, userId, g.id);
    }
    return m;
  }

  /** The actor may act on {@code target} only from a higher top role (the owner always). */
  private static void protect(GuildState g, long actorId, GuildState.Member target) {
    if (target.userId() == g.ownerId && actorId != 0) {
      throw new GuildException(GuildException.Kind.PERMISSION_DENIED, GuildException.MISSING_PERMISSIONS, "the owner is above everyone");
    }
    Checks.below(g, actorId, Checks.highestRole(g, target), "member");
  }

  private void emitUpdate(GuildState g, Step step, GuildState.Member m, Users.User user) {
    ObjectNode d = ctx.payloads().member(m, user, true);
    d.put("guild_id", Long.toUnsignedString(g.id));
    step.emit("GUILD_MEMBER_UPDATE", ctx.payloads().bytes(d), Intents.GUILD_MEMBERS);
    lists.changed(g, step, m.userId());
  }
}
