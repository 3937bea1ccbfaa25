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
        "unknown channel " + Long.toUnsignedString(channelId) + " in guild " + Long.toUnsignedString(guildId));
  }

  static GuildException notAMember(GuildException.Kind kind, long userId, long guildId) {
    return new GuildException(kind, "user " + Long.toUnsignedString(userId) + " is not a member of guild " + Long.toUnsignedString(guildId));
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
}
