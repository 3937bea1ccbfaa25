package dev.concord.guild.core;

/**
 * One operation on one guild, run on the guild's loop: validates against {@code g}, mutates it,
 * and records its rows and events in {@code step}. Throwing a {@link GuildException} refuses the
 * operation; the runtime then discards the step (so an operation validates before it mutates).
 */
@FunctionalInterface
public interface GuildOp<T> {
  T apply(GuildState g, Step step);
}
