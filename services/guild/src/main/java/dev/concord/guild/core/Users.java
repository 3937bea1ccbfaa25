package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The user directory: the store's users table with a cache in front. A user's names change only
 * through {@link #update} (PATCH /users/@me), made on the pod that owns the user id by the guild
 * ring, which then has the owner of each of the user's guilds {@link #reload} it (RefreshMember):
 * so the pods that render the user's messages and member objects see the change; another pod's
 * cache may show the old names until it reloads the user. The guilds of a user are not cached
 * (another pod may add the user to a guild) and are read from the store's members_by_user index.
 *
 * <p>Bounds: the cache holds the users this pod created or that are members of guilds it
 * activated; it is cleared past {@code maxCached} entries (reloaded on demand).
 *
 * <p>Concurrency: a concurrent map of immutable records.
 */
public final class Users {
  public record User(long id, String username, @org.jspecify.annotations.Nullable String globalName, boolean bot) {}

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

  /**
   * Changes a user's names (durable when it returns) and this pod's cache. Other pods' caches
   * learn it through {@link #reload} (RefreshMember in each of the user's guilds).
   */
  public User update(long id, @org.jspecify.annotations.Nullable String username, @org.jspecify.annotations.Nullable String globalName) {
    User old = reload(id);
    User u = new User(id, username == null ? old.username() : username, globalName == null ? old.globalName() : (globalName.isEmpty() ? null : globalName), old.bot());
    if (!store.updateUser(new GuildStore.UserRow(u.id(), u.username(), u.globalName(), u.bot()))) {
      throw new GuildException(GuildException.Kind.NOT_FOUND, GuildException.UNKNOWN_USER, "unknown user: " + Long.toUnsignedString(id));
    }
    put(u);
    return u;
  }

  /** The user as the store has it now (refreshing this pod's cache). */
  public User reload(long id) {
    cache.remove(id);
    return get(id);
  }

  /** The guilds {@code id} is a member of (from the store). */
  public List<Long> guildIdsOf(long id) {
    get(id);
    return store.guildIdsOf(id);
  }

  /** The guilds of each of {@code ids} (known users; from the store, in one query). */
  public java.util.Map<Long, List<Long>> guildIdsOf(java.util.Collection<Long> ids) {
    return store.guildIdsOf(ids);
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
