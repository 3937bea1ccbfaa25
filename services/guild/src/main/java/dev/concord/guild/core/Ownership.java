package dev.concord.guild.core;

/** Which guilds this pod owns, by its current ring. Lock-free reads of an immutable snapshot. */
public interface Ownership {
  boolean owns(long guildId);

  /** The version of the ring the answers come from. */
  long ringVersion();

  /** The owner's pod id ("" if no ring is known). */
  String ownerOf(long guildId);

  /** The owner's gRPC address ("" if no ring is known). */
  String addressOf(long guildId);

  /** Owns everything: a single pod, or tests. */
  Ownership ALL =
      new Ownership() {
        @Override
        public boolean owns(long guildId) {
          return true;
        }

        @Override
        public long ringVersion() {
          return 0;
        }

        @Override
        public String ownerOf(long guildId) {
          return "";
        }

        @Override
        public String addressOf(long guildId) {
          return "";
        }
      };
}
