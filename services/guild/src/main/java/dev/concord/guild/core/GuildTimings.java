package dev.concord.guild.core;

/**
 * Where a publish spends its time on the guild pod, per operation: waiting in the guild's mailbox,
 * and being applied on the loop (validation, state, rendering). Pod-wide histograms, never per
 * guild (which guild is slow: the introspection endpoint). Called on the loop: must be cheap.
 */
public interface GuildTimings {
  GuildTimings NONE =
      new GuildTimings() {
        @Override
        public void loopWait(long nanos) {}

        @Override
        public void apply(long nanos) {}
      };

  void loopWait(long nanos);

  void apply(long nanos);
}
