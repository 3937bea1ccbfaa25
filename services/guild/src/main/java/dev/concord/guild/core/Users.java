package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The user directory: the store's users table with a cache in front. Users are immutable once
 * created, so the cache never goes stale; the guilds of a user are not cached (another pod may add
 * the user to a guild) and are read from the store's members_by_user index.
 *
 * <p>Bounds: the cache holds the users this pod created or that are members of guilds it
 * activated; it is cleared past {@code maxCached} entries (reloaded on demand).
 *
 * <p>Concurrency: a concurrent map of immutable records.
 */
public final class Users {
  public record User(long id, String username, String globalName, boolean bot) {}

  private final GuildStore store;
  private final int maxCached;
  private final ConcurrentHashMap<Long, User> cache = new ConcurrentHashMap<>();

  public Users(GuildStore store, int maxCached) {
    this.store = store;
    this.maxCached = maxCached;
  }

  /** Durable when it returns. */
  public User create(long id, String username, String globalName, boolean bot) {
    store.insertUser(new GuildStore.UserRow(id, username, globalName, bot));
    User u = new User(id, username, globalName, bot);
    put(u);
    return u;
  }

  /** The user, from the cache or the store (may block on the store on a miss). */
  public User get(long id) {
    User u = cache.get(id);
    if (u != null) {
      return u;
    }
    GuildStore.UserRow row =
        store
            .user(id)
            .orElseThrow(
                () -> new GuildException(GuildException.Kind.NOT_FOUND, GuildException.UNKNOWN_USER, "unknown user: " + Long.toUnsignedString(id)));
    u = new User(row.id(), row.username(), row.globalName(), row.bot());
    put(u);
    return u;
  }

  /** The guilds {@code id} is a member of (from the store). */
  public List<Long> guildIdsOf(long id) {
    get(id);
    return store.guildIdsOf(id);
  }

  void cacheAll(List<GuildStore.UserRow> rows) {
    for (GuildStore.UserRow r : rows) {
      put(new User(r.id(), r.username(), r.globalName(), r.bot()));
    }
  }

  private void put(User u) {
    if (cache.size() >= maxCached) {
      cache.clear();
    }
    cache.put(u.id(), u);
  }

  public int cached() {
    return cache.size();
  }
}
