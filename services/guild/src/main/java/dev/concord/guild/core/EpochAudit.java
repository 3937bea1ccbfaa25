package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the guilds this pod holds that another pod claimed since this pod loaded them.
 *
 * <p>The ring alone cannot show it. A pod that was frozen (or cut off) while the ring gave its
 * guilds to another pod and then gave them back sees only the version before and the version after:
 * it owns the guild in both, so its copy looks current, while the other pod loaded the guild from
 * the store, took writes and bumped the guild's epoch. Its copy misses those writes, and the
 * sessions joined to it miss their events until its next write is fenced. The store's epoch is the
 * truth: a guild whose stored epoch is past the one this pod loaded it at was claimed elsewhere.
 *
 * <p>Asked on every ring change this pod sees (rare): one store query per thousand guilds held.
 */
final class EpochAudit {
  private static final Logger log = LoggerFactory.getLogger(EpochAudit.class);
  private final GuildStore store;

  EpochAudit(GuildStore store) {
    this.store = store;
  }

  /**
   * Evicts those of {@code held} (loaded guilds) whose stored epoch moved past the one they were
   * loaded at ({@code evict} is false for a guild already gone for another reason), and logs them
   * in one line. Asks the store on {@code pool}; fails if the pool refuses the work or the store
   * cannot answer.
   *
   * @return how many guilds were evicted
   */
  CompletableFuture<Integer> evictClaimedElsewhere(List<GuildHost.Active> held, Executor pool, Predicate<GuildHost.Active> evict) {
    if (held.isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    // the epochs as loaded, read before the store is asked (a later claim here makes a new Active)
    long[] loadedAt = new long[held.size()];
    for (int i = 0; i < held.size(); i++) {
      loadedAt[i] = held.get(i).state().epoch();
    }
    CompletableFuture<List<GuildHost.Active>> stale;
    try {
      stale = CompletableFuture.supplyAsync(() -> compare(held, loadedAt), pool);
    } catch (RejectedExecutionException busy) {
      return CompletableFuture.failedFuture(busy);
    }
    return stale.thenApply(
        claimed -> {
          List<String> evicted = new ArrayList<>();
          for (GuildHost.Active a : claimed) {
            if (evict.test(a)) {
              evicted.add(Long.toUnsignedString(a.guildId));
            }
          }
          if (!evicted.isEmpty()) {
            log.warn(
                "{} guild(s) were claimed by another pod while this pod held them (the ring moved them away and back unseen here), e.g. {}: reloading them, their sessions re-join",
                evicted.size(),
                evicted.subList(0, Math.min(5, evicted.size())));
          }
          return evicted.size();
        });
  }

  private List<GuildHost.Active> compare(List<GuildHost.Active> held, long[] loadedAt) {
    List<Long> ids = new ArrayList<>(held.size());
    for (GuildHost.Active a : held) {
      ids.add(a.guildId);
    }
    Map<Long, Long> now = store.epochs(ids);
    List<GuildHost.Active> stale = new ArrayList<>();
    for (int i = 0; i < held.size(); i++) {
      // absent: created here and not committed yet (or deleted, which its own path handles)
      Long current = now.get(held.get(i).guildId);
      if (current != null && current > loadedAt[i]) {
        stale.add(held.get(i));
      }
    }
    return stale;
  }
}
