package dev.concord.presence.core;

import java.util.Collection;

/** Publishes a user's aggregated presence into guilds (on each guild's owner pod). */
public interface GuildPublisher {
  void publish(long userId, byte[] presenceJson, Collection<Long> guildIds);
}
