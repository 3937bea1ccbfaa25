package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Loads a guild's state when the guild activates on this pod. Runs on the activation pool (it
 * blocks on the store); the pool's size bounds concurrent activations.
 */
@FunctionalInterface
public interface GuildLoader {
  /** The guild's state, owned by this pod from now on; null if there is no such guild. */
  @Nullable GuildState load(long guildId) throws InterruptedException;

  /**
   * Activation from the store: claims the guild (a new epoch, which fences the previous owner and
   * waits for its write in flight), loads channels, roles, members and overwrites, and caches the
   * members' users. {@code extraDelayMs} adds a simulated cost per guild (benchmarks; 0 otherwise).
   */
  record FromStore(GuildStore store, Users users, long everyonePermissions, long extraDelayMs) implements GuildLoader {
    @Override
    public @Nullable GuildState load(long guildId) throws InterruptedException {
      if (extraDelayMs > 0) {
        Thread.sleep(extraDelayMs);
      }
      long epoch = store.claim(guildId);
      if (epoch < 0) {
        return null;
      }
      GuildStore.GuildRow row = store.loadGuild(guildId).orElse(null);
      if (row == null) {
        return null;
      }
      GuildState g = new GuildState(guildId, row.name(), row.ownerId(), everyonePermissions, epoch);
      for (GuildStore.RoleRow r : row.roles()) {
        g.roles.put(r.id(), new GuildState.Role(r.id(), r.name(), r.permissions(), r.position()));
      }
      Map<Long, List<GuildState.Overwrite>> overwrites = new HashMap<>();
      for (GuildStore.OverwriteRow o : row.overwrites()) {
        overwrites
            .computeIfAbsent(o.channelId(), c -> new ArrayList<>())
            .add(new GuildState.Overwrite(o.targetId(), o.targetType(), o.allow(), o.deny()));
      }
      for (GuildStore.ChannelRow c : row.channels()) {
        g.channels.put(
            c.id(),
            new GuildState.Channel(
                c.id(), c.name(), c.topic() == null ? "" : c.topic(), c.type(), c.position(), List.copyOf(overwrites.getOrDefault(c.id(), List.of()))));
      }
      for (GuildStore.MemberRow m : row.members()) {
        g.members.put(m.userId(), new GuildState.Member(m.userId(), m.joinedAt().toEpochMilli(), Set.copyOf(m.roleIds()), m.nick()));
      }
      users.cacheAll(store.membersAsUsers(guildId));
      g.loadedMaxMessageId = store.maxMessageId(guildId);
      return g;
    }
  }
}
