package dev.concord.guild.core;

/**
 * Input checks and the refusals operations share. Messages name the expected value, so a caller
 * can fix its request from the message alone.
 */
final class Checks {
  private Checks() {}

  /** PostgreSQL cannot store NUL in text: refused as bad input, never as a failed commit. */
  static void text(String what, String value) {
    if (value.indexOf('\u0000') >= 0) {
      throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, what + " contains a NUL character (expected: none)");
    }
  }

  static void name(String what, String value, int min, int max) {
    text(what, value);
    int len = value.codePointCount(0, value.length());
    if (len < min || len > max || value.isBlank()) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT,
          what + " length out of range: " + len + " (expected: " + min + ".." + max + ", not blank)");
    }
  }

  static GuildException unknownChannel(long guildId, long channelId) {
    return new GuildException(
        GuildException.Kind.NOT_FOUND,
        GuildException.UNKNOWN_CHANNEL,
        "unknown channel " + Long.toUnsignedString(channelId) + " in guild " + Long.toUnsignedString(guildId));
  }

  static GuildException notAMember(GuildException.Kind kind, long userId, long guildId) {
    return new GuildException(
        kind,
        kind == GuildException.Kind.NOT_FOUND ? GuildException.UNKNOWN_MEMBER : GuildException.MISSING_ACCESS,
        "user " + Long.toUnsignedString(userId) + " is not a member of guild " + Long.toUnsignedString(guildId));
  }

  static GuildState.Channel channel(GuildState g, long channelId) {
    GuildState.Channel c = g.channels.get(channelId);
    if (c == null) {
      throw unknownChannel(g.id, channelId);
    }
    return c;
  }

  static void overwrite(GuildState g, GuildState.Overwrite o) {
    if (o.type() == Permissions.ROLE && !g.roles.containsKey(o.id())) {
      throw new GuildException(GuildException.Kind.NOT_FOUND, "overwrite for unknown role " + Long.toUnsignedString(o.id()));
    }
    if (o.type() != Permissions.ROLE && o.type() != Permissions.MEMBER) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, "overwrite type out of range: " + o.type() + " (expected: 0 role, 1 member)");
    }
  }

  /**
   * The actor's permissions in {@code c} (all of them for actor 0, the trusted backend). An actor
   * that is not a member, or cannot view the channel, is refused with MISSING_ACCESS.
   */
  static long viewerPermissions(GuildState g, long actorId, GuildState.Channel c) {
    if (actorId == 0) {
      return Permissions.ALL;
    }
    GuildState.Member m = g.members.get(actorId);
    if (m == null) {
      throw notAMember(GuildException.Kind.PERMISSION_DENIED, actorId, g.id);
    }
    long perms = Permissions.inChannel(g, m, c);
    if ((perms & Permissions.VIEW_CHANNEL) == 0) {
      throw new GuildException(
          GuildException.Kind.PERMISSION_DENIED,
          GuildException.MISSING_ACCESS,
          "user " + Long.toUnsignedString(actorId) + " cannot view channel " + Long.toUnsignedString(c.id()));
    }
    return perms;
  }

  /** Refuses with MISSING_PERMISSIONS unless {@code perms} has every bit of {@code needed}. */
  static void require(long perms, long needed, String what) {
    if ((perms & needed) != needed) {
      throw new GuildException(GuildException.Kind.PERMISSION_DENIED, GuildException.MISSING_PERMISSIONS, "missing permission: " + what);
    }
  }

  /** The actor's guild-wide permissions (all for actor 0); MISSING_ACCESS for a non-member. */
  static long guildPermissions(GuildState g, long actorId) {
    if (actorId == 0) {
      return Permissions.ALL;
    }
    GuildState.Member m = g.members.get(actorId);
    if (m == null) {
      throw notAMember(GuildException.Kind.PERMISSION_DENIED, actorId, g.id);
    }
    return Permissions.base(g, m);
  }

  /**
   * Role hierarchy: unless the actor is the backend (0) or the owner, {@code rolePosition} must be
   * below the actor's highest role (MISSING_PERMISSIONS otherwise).
   */
  static void below(GuildState g, long actorId, int rolePosition, String what) {
    if (actorId == 0 || actorId == g.ownerId) {
      return;
    }
    GuildState.Member m = g.members.get(actorId);
    int highest = 0;
    if (m != null) {
      for (long r : m.roles()) {
        GuildState.Role role = g.roles.get(r);
        if (role != null) {
          highest = Math.max(highest, role.position());
        }
      }
    }
    if (rolePosition >= highest) {
      throw new GuildException(
          GuildException.Kind.PERMISSION_DENIED, GuildException.MISSING_PERMISSIONS, what + ": above or at the caller's highest role");
    }
  }

  /** The highest role position of a member (0: only @everyone). */
  static int highestRole(GuildState g, GuildState.Member m) {
    int highest = 0;
    for (long r : m.roles()) {
      GuildState.Role role = g.roles.get(r);
      if (role != null) {
        highest = Math.max(highest, role.position());
      }
    }
    return highest;
  }
}
