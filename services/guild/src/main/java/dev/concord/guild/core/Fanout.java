package dev.concord.guild.core;

/**
 * Where a guild's events go. Called on the guild's event loop, once per event, in the guild's
 * order: it captures the recipients now and returns the step that sends the event, which the
 * guild runs once the event's writes are durable (in the same order). It must not block and must
 * not keep {@code state} beyond the call.
 */
public interface Fanout {
  /**
   * Prepares one event for every subscriber of {@code state} (grouped by session pod).
   *
   * @param payload the dispatch {@code d}, serialized once for all recipients
   * @param requiredIntents intent bits of which a recipient needs one (0: none)
   * @param channelId the channel the event happens in (0: none); hidden from some recipients
   * @param messageId for MESSAGE_CREATE the message id, else 0
   */
  Runnable publish(GuildState state, String type, byte[] payload, long requiredIntents, long channelId, long messageId);

  /**
   * As {@link #publish}, for a MESSAGE_CREATE / MESSAGE_UPDATE with the {@code gate} that
   * recipients without the MESSAGE_CONTENT intent apply on their session worker.
   */
  default Runnable publishMessage(
      GuildState state, String type, byte[] payload, dev.concord.proto.guild.v1.ContentGate gate, long requiredIntents, long channelId, long messageId) {
    return publish(state, type, payload, requiredIntents, channelId, messageId);
  }

  /**
   * As {@link #publish}, but only to {@code recipientsByPod} (session keys by session pod): events
   * for some members only, e.g. GUILD_DELETE to the sessions of a member who was removed.
   */
  Runnable publishTo(
      GuildState state, java.util.Map<String, java.util.LinkedHashSet<Long>> recipientsByPod, String type, byte[] payload, long requiredIntents);

  /**
   * Prepares telling one subscribed session its new set of hidden channels (after a permission
   * change), in order with the guild's events. Never dispatched to the client.
   */
  Runnable visibility(GuildState state, GuildState.Subscriber subscriber, long[] hiddenChannelIds);

  /** Prepares telling every subscriber to join the guild again (it moved or reloads). */
  Runnable rejoin(GuildState state);

  /** Sends nothing (a guild pod measured without sessions: store and activation benchmarks). */
  Fanout NONE =
      new Fanout() {
        private static final Runnable NOTHING = () -> {};

        @Override
        public Runnable publish(GuildState state, String type, byte[] payload, long requiredIntents, long channelId, long messageId) {
          return NOTHING;
        }

        @Override
        public Runnable publishTo(
            GuildState state, java.util.Map<String, java.util.LinkedHashSet<Long>> recipientsByPod, String type, byte[] payload, long requiredIntents) {
          return NOTHING;
        }

        @Override
        public Runnable visibility(GuildState state, GuildState.Subscriber subscriber, long[] hiddenChannelIds) {
          return NOTHING;
        }

        @Override
        public Runnable rejoin(GuildState state) {
          return NOTHING;
        }
      };
}
