package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import dev.concord.protocol.Intents;
import tools.jackson.databind.node.ObjectNode;

/** Operations on a guild's roles. */
public final class RoleOps {
  public static final int MAX_ROLES = 250;

  private final OpContext ctx;

  public RoleOps(OpContext ctx) {
    this.ctx = ctx;
  }

  public GuildOp<GuildState.Role> create(String name, long permissions) {
    return create(0, name, permissions);
  }

  /** A role at the top of the list (MANAGE_ROLES; no permission the actor lacks); GUILD_ROLE_CREATE. */
  public GuildOp<GuildState.Role> create(long actorId, String name, long permissions) {
    Checks.name("role name", name, 1, 100);
    long id = ctx.ids().next();
    return (g, step) -> {
      long perms = Checks.guildPermissions(g, actorId);
      Checks.require(perms, Permissions.MANAGE_ROLES, "MANAGE_ROLES");
      Checks.require(perms, permissions, "a role cannot grant permissions its creator lacks");
      if (g.roles.size() >= MAX_ROLES) {
        throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, "too many roles (expected: <= " + MAX_ROLES + ")");
      }
      GuildState.Role r = new GuildState.Role(id, name, permissions, g.roles.size());
      g.roles.put(id, r);
      g.baseChanged();
      step.write(new GuildStore.RoleRow(id, g.id, name, permissions, r.position()));
      ObjectNode d = ctx.payloads().json().createObjectNode();
      d.put("guild_id", Long.toUnsignedString(g.id));
      d.set("role", ctx.payloads().role(r));
      step.emit("GUILD_ROLE_CREATE", ctx.payloads().bytes(d), Intents.GUILDS);
      return r;
    };
  }

  /**
   * Changes a role's name or permissions (null: unchanged; MANAGE_ROLES, below the actor's highest
   * role); GUILD_ROLE_UPDATE. Members' visible channels follow.
   */
  public GuildOp<byte[]> update(long actorId, long roleId, @org.jspecify.annotations.Nullable String name, @org.jspecify.annotations.Nullable Long permissions) {
    if (name != null) {
      Checks.name("role name", name, 1, 100);
    }
    return (g, step) -> {
      GuildState.Role r = role(g, roleId);
      long perms = Checks.guildPermissions(g, actorId);
      Checks.require(perms, Permissions.MANAGE_ROLES, "MANAGE_ROLES");
      if (roleId != g.id) {
        Checks.below(g, actorId, r.position(), "role");
      }
      if (permissions != null) {
        Checks.require(perms, permissions, "a role cannot grant permissions its editor lacks");
      }
      GuildState.Role updated = new GuildState.Role(roleId, name == null ? r.name() : name, permissions == null ? r.permissions() : permissions, r.position());
      g.roles.put(roleId, updated);
      g.baseChanged();
      step.write(new GuildStore.RoleUpdate(roleId, updated.name(), updated.permissions(), updated.position()));
      step.refreshVisibility(u -> true);
      ObjectNode d = ctx.payloads().json().createObjectNode();
      d.put("guild_id", Long.toUnsignedString(g.id));
      d.set("role", ctx.payloads().role(updated));
      step.emit("GUILD_ROLE_UPDATE", ctx.payloads().bytes(d), Intents.GUILDS);
      return ctx.payloads().bytes(ctx.payloads().role(updated));
    };
  }

  /** Deletes a role (MANAGE_ROLES, below the actor's highest; never @everyone); GUILD_ROLE_DELETE. */
  public GuildOp<Boolean> delete(long actorId, long roleId) {
    return (g, step) -> {
      GuildState.Role r = role(g, roleId);
      if (roleId == g.id) {
        throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, GuildException.INVALID_FORM_BODY, "@everyone cannot be deleted");
      }
      Checks.require(Checks.guildPermissions(g, actorId), Permissions.MANAGE_ROLES, "MANAGE_ROLES");
      Checks.below(g, actorId, r.position(), "role");
      g.roles.remove(roleId);
      g.baseChanged();
      for (GuildState.Member m : java.util.List.copyOf(g.members.values())) {
        if (m.roles().contains(roleId)) {
          java.util.Set<Long> next = new java.util.LinkedHashSet<>(m.roles());
          next.remove(roleId);
          g.members.put(m.userId(), m.withRoles(next));
        }
      }
      for (GuildState.Channel c : java.util.List.copyOf(g.channels.values())) {
        if (c.overwrite(roleId, Permissions.ROLE) != null) {
          g.channels.put(c.id(), new GuildState.Channel(c.id(), c.name(), c.topic(), c.type(), c.position(),
              c.overwrites().stream().filter(o -> !(o.id() == roleId && o.type() == Permissions.ROLE)).toList()));
        }
      }
      g.membersChanged();
      g.channelsChanged();
      step.write(new GuildStore.RoleDelete(g.id, roleId));
      step.refreshVisibility(u -> true);
      ObjectNode d = ctx.payloads().json().createObjectNode();
      d.put("guild_id", Long.toUnsignedString(g.id));
      d.put("role_id", Long.toUnsignedString(roleId));
      step.emit("GUILD_ROLE_DELETE", ctx.payloads().bytes(d), Intents.GUILDS);
      return true;
    };
  }

  static GuildState.Role role(GuildState g, long roleId) {
    GuildState.Role r = g.roles.get(roleId);
    if (r == null) {
      throw new GuildException(GuildException.Kind.NOT_FOUND, GuildException.UNKNOWN_ROLE, "unknown role " + Long.toUnsignedString(roleId));
    }
    return r;
  }
}
