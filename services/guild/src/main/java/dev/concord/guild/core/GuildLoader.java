package dev.concord.guild.core;

/**
 * Loads a guild's state when the guild activates on this pod. Runs on the activation pool (it may
 * block on I/O). Until the PostgreSQL store lands, state stays in this pod's memory and the loader
 * only pays a configurable simulated cost (default 0), so that reconnect storms can be measured.
 */
@FunctionalInterface
public interface GuildLoader {
  void load(GuildState state) throws InterruptedException;

  GuildLoader IN_MEMORY = state -> {};

  /** An in-memory loader that takes {@code millis} per guild (benchmarks). */
  static GuildLoader simulated(long millis) {
    return millis <= 0 ? IN_MEMORY : state -> Thread.sleep(millis);
  }
}
