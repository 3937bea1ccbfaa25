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
    Checks.name("role name", name, 1, 100);
    long id = ctx.ids().next();
    return (g, step) -> {
      if (g.roles.size() >= MAX_ROLES) {
        throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, "too many roles (expected: <= " + MAX_ROLES + ")");
      }
      GuildState.Role r = new GuildState.Role(id, name, permissions, g.roles.size());
      g.roles.put(id, r);
      step.write(new GuildStore.RoleRow(id, g.id, name, permissions, r.position()));
      ObjectNode d = ctx.payloads().json().createObjectNode();
      d.put("guild_id", Long.toUnsignedString(g.id));
      d.set("role", ctx.payloads().role(r));
      step.emit("GUILD_ROLE_CREATE", ctx.payloads().bytes(d), Intents.GUILDS);
      return r;
    };
  }
}
