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
   * @param channelId the channel the event happens in (0: none); hidden from some recipients
   */
  void publish(GuildState state, String type, byte[] payload, long requiredIntents, long channelId);

  /**
   * Tells one subscribed session its new set of hidden channels (after a permission change), in
   * order with the guild's events. Never dispatched to the client.
   */
  void visibility(GuildState state, GuildState.Subscriber subscriber, long[] hiddenChannelIds);
}
