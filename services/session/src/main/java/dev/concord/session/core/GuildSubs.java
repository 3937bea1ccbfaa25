package dev.concord.session.core;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A session's guild subscriptions by guild id, in the order they were added.
 *
 * <p>Why not a {@code LinkedHashMap<Long, GuildSub>}: most sessions are in one guild or a few,
 * and the map cost ~190 B per session for one entry (the map, a 16-slot table, an entry and a
 * boxed key), held for the session's lifetime. Here the subs sit in an array scanned linearly
 * (the sub carries its own guild id, so no keys are stored): one guild costs the array of one
 * slot. Past {@link #INDEXED} subs a hash index keeps lookups constant-time for users in hundreds
 * of guilds.
 *
 * <p>Concurrency: none; confined to the session's worker like the rest of {@link Session}.
 */
final class GuildSubs {
  /** Past this many subs, lookups go through {@link #index}. */
  static final int INDEXED = 8;

  private static final Session.GuildSub[] NONE = new Session.GuildSub[0];

  private Session.GuildSub[] subs = NONE;
  private int size;
  private @Nullable HashMap<Long, Session.GuildSub> index;

  Session.@Nullable GuildSub get(long guildId) {
    if (index != null) {
      return index.get(guildId);
    }
    int i = slot(guildId);
    return i < 0 ? null : subs[i];
  }

  boolean containsKey(long guildId) {
    return get(guildId) != null;
  }

  /** Adds {@code sub}, or replaces the sub of its guild in place (keeping its position). */
  void put(Session.GuildSub sub) {
    int i = index != null && !index.containsKey(sub.guildId) ? -1 : slot(sub.guildId);
    if (i >= 0) {
      subs[i] = sub;
    } else {
      if (size == subs.length) {
        subs = Arrays.copyOf(subs, size == 0 ? 1 : size * 2);
      }
      subs[size++] = sub;
    }
    if (index != null) {
      index.put(sub.guildId, sub);
    } else if (size > INDEXED) {
      index = new HashMap<>(2 * size);
      for (int j = 0; j < size; j++) {
        index.put(subs[j].guildId, subs[j]);
      }
    }
  }

  /** Removes the sub of {@code guildId}, if any; the rest keep their order. */
  void remove(long guildId) {
    int i = slot(guildId);
    if (i < 0) {
      return;
    }
    System.arraycopy(subs, i + 1, subs, i, size - i - 1);
    subs[--size] = null;
    if (index != null) {
      index.remove(guildId);
      if (size <= INDEXED / 2) {
        index = null;
      }
    }
    if (size == 0) {
      subs = NONE;
    }
  }

  int size() {
    return size;
  }

  /** The guild ids, in the order they were added (an immutable copy). */
  List<Long> ids() {
    Long[] out = new Long[size];
    for (int i = 0; i < size; i++) {
      out[i] = subs[i].guildId;
    }
    return List.of(out);
  }

  /** The subs, in the order they were added (a copy: callers may change the set meanwhile). */
  List<Session.GuildSub> values() {
    return List.of(Arrays.copyOf(subs, size));
  }

  private int slot(long guildId) {
    for (int i = 0; i < size; i++) {
      if (subs[i].guildId == guildId) {
        return i;
      }
    }
    return -1;
  }
}
