package dev.concord.guild.core;

/**
 * The guild's side of invites: who may create or delete one in a channel (checked on the loop,
 * against the state the loop holds). The invites themselves are rows apart from guild state
 * ({@code JdbcInvites}); joining by one is {@link MemberOps#add}.
 */
public final class InviteOps {
  /** What an invite shows of the guild and channel it was checked against. */
  public record Checked(String guildName, String channelName) {}

  /** CREATE_INSTANT_INVITE (and VIEW_CHANNEL) in the channel; 10003 for an unknown channel. */
  public GuildOp<Checked> canCreate(long actorId, long channelId) {
    return (g, step) -> {
      GuildState.Channel c = channel(g, channelId);
      long perms = inChannel(g, actorId, c);
      Checks.require(perms, Permissions.VIEW_CHANNEL | Permissions.CREATE_INSTANT_INVITE, "CREATE_INSTANT_INVITE");
      return new Checked(g.name(), c.name());
    };
  }

  /** The inviter, or MANAGE_CHANNELS in the channel, or MANAGE_GUILD. */
  public GuildOp<Checked> canDelete(long actorId, long channelId, long inviterId) {
    return (g, step) -> {
      GuildState.Channel c = g.channels.get(channelId);
      String channelName = c == null ? "" : c.name();
      if (actorId != inviterId) {
        long guildPerms = Checks.guildPermissions(g, actorId);
        long channelPerms = c == null ? 0 : inChannel(g, actorId, c);
        if ((guildPerms & Permissions.MANAGE_GUILD) == 0 && (channelPerms & Permissions.MANAGE_CHANNELS) == 0) {
          Checks.require(0, Permissions.MANAGE_CHANNELS, "MANAGE_CHANNELS");
        }
      }
      return new Checked(g.name(), channelName);
    };
  }

  private static GuildState.Channel channel(GuildState g, long channelId) {
    GuildState.Channel c = g.channels.get(channelId);
    if (c == null) {
      throw Checks.unknownChannel(g.id, channelId);
    }
    return c;
  }

  private static long inChannel(GuildState g, long actorId, GuildState.Channel c) {
    if (actorId == 0) {
      return Permissions.ALL;
    }
    GuildState.Member m = g.members.get(actorId);
    if (m == null) {
      throw Checks.notAMember(GuildException.Kind.PERMISSION_DENIED, actorId, g.id);
    }
    return Permissions.inChannel(g, m, c);
  }
}
