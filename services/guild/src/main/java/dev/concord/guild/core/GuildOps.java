package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import dev.concord.protocol.Intents;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/** Operations on the guild itself: its settings, and its deletion by the owner. */
public final class GuildOps {
  private final OpContext ctx;

  public GuildOps(OpContext ctx) {
    this.ctx = ctx;
  }

  /** Renames the guild (MANAGE_GUILD); GUILD_UPDATE. Returns the guild object. */
  public GuildOp<byte[]> update(long actorId, String name) {
    Checks.name("name", name, 2, 100);
    return (g, step) -> {
      Checks.require(Checks.guildPermissions(g, actorId), Permissions.MANAGE_GUILD, "MANAGE_GUILD");
      g.name = name;
      g.baseChanged();
      step.write(new GuildStore.GuildUpdate(g.id, name));
      byte[] d = ctx.payloads().bytes(ctx.payloads().guildBase(g));
      step.emit("GUILD_UPDATE", d, Intents.GUILDS);
      return d;
    };
  }

  /**
   * Deletes the guild and everything in it (its owner only): GUILD_DELETE to every subscribed
   * session, which then leaves it; every later call gets 10004.
   */
  public GuildOp<Boolean> delete(long actorId) {
    return (g, step) -> {
      if (actorId != 0 && actorId != g.ownerId) {
        throw new GuildException(GuildException.Kind.PERMISSION_DENIED, GuildException.MISSING_PERMISSIONS, "only the owner may delete a guild");
      }
      step.write(new GuildStore.GuildDelete(g.id));
      ObjectNode d = ctx.payloads().json().createObjectNode();
      d.put("id", Long.toUnsignedString(g.id));
      step.emit("GUILD_DELETE", ctx.payloads().bytes(d), 0);
      for (GuildState.Subscriber s : List.copyOf(g.subscribers.values())) {
        g.unsubscribe(s.sessionId());
      }
      g.deleted = true;
      return true;
    };
  }
}
