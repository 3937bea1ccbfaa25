package dev.concord.guild.core;

import java.util.List;

/**
 * What a session gets from joining: the GUILD_CREATE for it, the seq and the newest message id it
 * covers, and for a re-join the MESSAGE_CREATE payloads it missed (oldest first).
 */
public record JoinResult(
    long snapshotSeq,
    byte[] guildCreateJson,
    long[] hiddenChannelIds,
    long snapshotMessageId,
    List<byte[]> catchUp,
    List<byte[]> catchUpUpdates,
    List<byte[]> catchUpDeletes,
    List<JoinResult.CatchUpEvent> catchUpReactions) {
  public JoinResult(long snapshotSeq, byte[] guildCreateJson, long[] hiddenChannelIds, long snapshotMessageId, List<byte[]> catchUp) {
    this(snapshotSeq, guildCreateJson, hiddenChannelIds, snapshotMessageId, catchUp, List.of(), List.of(), List.of());
  }

  /** A dispatch a re-join replays, with its type (reactions: MESSAGE_REACTION_ADD / _REMOVE). */
  public record CatchUpEvent(String type, byte[] payload) {}
}
