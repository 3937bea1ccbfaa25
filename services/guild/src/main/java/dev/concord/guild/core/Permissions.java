package dev.concord.guild.core;

import java.util.Set;

/**
 * Discord's permission resolution for one member: base permissions from @everyone and the member's
 * roles (the owner and ADMINISTRATOR get everything), then a channel's overwrites in Discord's
 * order: @everyone, then all of the member's role overwrites together (deny, then allow), then the
 * member's own overwrite.
 */
public final class Permissions {
  public static final long ADMINISTRATOR = 1L << 3;
  public static final long CREATE_INSTANT_INVITE = 1L << 0;
  public static final long VIEW_CHANNEL = 1L << 10;
  public static final long SEND_MESSAGES = 1L << 11;
  public static final long KICK_MEMBERS = 1L << 1;
  public static final long MANAGE_CHANNELS = 1L << 4;
  public static final long MANAGE_GUILD = 1L << 5;
  public static final long ADD_REACTIONS = 1L << 6;
  public static final long MANAGE_MESSAGES = 1L << 13;
  public static final long READ_MESSAGE_HISTORY = 1L << 16;
  public static final long CHANGE_NICKNAME = 1L << 26;
  public static final long MANAGE_NICKNAMES = 1L << 27;
  public static final long MANAGE_ROLES = 1L << 28;
  public static final long ALL = -1L;

  /** Overwrite target types, as in Discord. */
  public static final int ROLE = 0;

  public static final int MEMBER = 1;

  private Permissions() {}

  static long base(GuildState g, GuildState.Member m) {
    if (m.userId() == g.ownerId) {
      return ALL;
    }
    long perms = g.roles.get(g.id).permissions();
    for (long roleId : m.roles()) {
      GuildState.Role r = g.roles.get(roleId);
      if (r != null) {
        perms |= r.permissions();
      }
    }
    return (perms & ADMINISTRATOR) != 0 ? ALL : perms;
  }

  static long inChannel(GuildState g, GuildState.Member m, GuildState.Channel c) {
    long perms = base(g, m);
    if (perms == ALL) {
      return ALL;
    }
    GuildState.Overwrite everyone = c.overwrite(g.id, ROLE);
    if (everyone != null) {
      perms = (perms & ~everyone.deny()) | everyone.allow();
    }
    long allow = 0;
    long deny = 0;
    Set<Long> roles = m.roles();
    for (GuildState.Overwrite o : c.overwrites()) {
      if (o.type() == ROLE && o.id() != g.id && roles.contains(o.id())) {
        allow |= o.allow();
        deny |= o.deny();
      }
    }
    perms = (perms & ~deny) | allow;
    GuildState.Overwrite own = c.overwrite(m.userId(), MEMBER);
    if (own != null) {
      perms = (perms & ~own.deny()) | own.allow();
    }
    return perms;
  }

  static boolean canView(GuildState g, GuildState.Member m, GuildState.Channel c) {
    return (inChannel(g, m, c) & VIEW_CHANNEL) != 0;
  }
}
