package dev.concord.guild.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The users known to this pod and the guilds each belongs to. In memory until the store lands:
 * with one guild pod this is the whole directory; with several, each pod only knows the users it
 * created or added to its guilds (the store replaces this).
 *
 * <p>Concurrency: users are immutable records in a concurrent map; a user's guild set is a
 * concurrent set, updated by guild event loops.
 */
public final class Users {
  public record User(long id, String username, String globalName, boolean bot, Set<Long> guildIds) {}

  private final ConcurrentHashMap<Long, User> users = new ConcurrentHashMap<>();

  public User create(long id, String username, String globalName, boolean bot) {
    User u = new User(id, username, globalName, bot, ConcurrentHashMap.newKeySet());
    users.put(id, u);
    return u;
  }

  public User get(long id) {
    User u = users.get(id);
    if (u == null) {
      throw new GuildException(GuildException.Kind.NOT_FOUND, "unknown user: " + Long.toUnsignedString(id));
    }
    return u;
  }

  public int size() {
    return users.size();
  }
}
