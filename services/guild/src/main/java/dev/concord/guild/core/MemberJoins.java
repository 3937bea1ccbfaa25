package dev.concord.guild.core;

/**
 * Told when a user became a member of a guild (added, joined by an invite, or created it), once
 * that is durable, so that the user's open sessions can join it and get its GUILD_CREATE (they
 * subscribed to their guilds when they identified). Best effort: must not block or throw.
 */
@FunctionalInterface
public interface MemberJoins {
  MemberJoins NONE = (userId, guildId) -> {};

  void joined(long userId, long guildId);
}
