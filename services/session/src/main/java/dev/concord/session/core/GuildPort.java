package dev.concord.session.core;

import dev.concord.proto.guild.v1.JoinResponse;
import dev.concord.proto.guild.v1.User;
import java.util.concurrent.CompletableFuture;

/** The session's view of the guild service. Futures may complete on any thread. */
public interface GuildPort {
  CompletableFuture<User> user(long userId);

  CompletableFuture<JoinResponse> join(long guildId, Session session);

  void leave(long guildId, String sessionId);
}
