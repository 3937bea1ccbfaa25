package dev.concord.guild.core;

/**
 * Where a guild's events go. Called on the guild's event loop, once per event, in the guild's
 * order; the implementation must not block and must not keep {@code state} beyond the call.
 */
public interface Fanout {
  /**
   * Delivers one event to every subscriber of {@code state} (grouped by session pod).
   *
   * @param payload the dispatch {@code d}, serialized once for all recipients
   * @param requiredIntents intent bits of which a recipient needs one (0: none)
   */
  void publish(GuildState state, String type, byte[] payload, long requiredIntents);
}
