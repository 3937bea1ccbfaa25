package dev.concord.session.core;

import dev.concord.proto.guild.v1.JoinResponse;
import dev.concord.proto.guild.v1.User;
import java.util.concurrent.CompletableFuture;

/** The session's view of the guild service. Futures may complete on any thread. */
public interface GuildPort {
  /**
   * A join's answer, the guild pod that gave it (the session re-joins when that pod goes) and the
   * relay stream from that pod it was made through.
   */
  record Joined(JoinResponse response, String podId, long relayGeneration) {
    public Joined(JoinResponse response, String podId) {
      this(response, podId, 0);
    }
  }

  /**
   * Whether the relay stream a join was made through is still attached: if it broke meanwhile,
   * events after the join's snapshot may have been lost, and the session must re-join.
   */
  default boolean relayIntact(Joined joined) {
    return true;
  }

  CompletableFuture<User> user(long userId);

  /**
   * Subscribes {@code session} to a guild on its owner pod. {@code sinceMessageId} is 0 on a first
   * join; on a re-join it is the newest message of the guild the session has seen, and the answer
   * carries the ones it missed.
   */
  CompletableFuture<Joined> join(long guildId, Session session, long sinceMessageId);

  void leave(long guildId, String sessionId);

  /**
   * A session's lazy member list ranges for one guild on its owner (inclusive [start, end] pairs;
   * none: unsubscribed). The list's updates arrive as relay events, in the guild's order.
   */
  default CompletableFuture<Void> subscribeMemberList(long guildId, String sessionId, int[] ranges) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("member lists"));
  }

  /** Gateway op 8 for one guild on its owner: the GUILD_MEMBERS_CHUNK payloads, in order. */
  default CompletableFuture<java.util.List<com.google.protobuf.ByteString>> requestMembers(
      dev.concord.proto.guild.v1.RequestMembersRequest request) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("member requests"));
  }
}
