package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import dev.concord.protocol.Intents;
import dev.concord.protocol.SnowflakeGenerator;
import java.time.Instant;

/** Operations on a guild's messages. Each factory checks its input, then returns the loop step. */
public final class MessageOps {
  public static final int MAX_CONTENT_LENGTH = 2000;

  public record CreatedMessage(long id, long timestampMs) {}

  private final OpContext ctx;

  public MessageOps(OpContext ctx) {
    this.ctx = ctx;
  }

  public GuildOp<CreatedMessage> create(long channelId, long authorId, String content, String nonce) {
    if (content.isEmpty() || content.length() > MAX_CONTENT_LENGTH) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT,
          "content length out of range: " + content.length() + " (expected: 1.." + MAX_CONTENT_LENGTH + ")");
    }
    Checks.text("content", content);
    Checks.text("nonce", nonce);
    if (nonce.length() > 25) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, "nonce too long: " + nonce.length() + " chars (expected: <= 25)");
    }
    Users.User author = ctx.users().get(authorId);
    return (g, step) -> {
      GuildState.Channel channel = Checks.channel(g, channelId);
      GuildState.Member member = g.members.get(authorId);
      if (member == null) {
        throw Checks.notAMember(GuildException.Kind.PERMISSION_DENIED, authorId, g.id);
      }
      long perms = Permissions.inChannel(g, member, channel);
      if ((perms & Permissions.VIEW_CHANNEL) == 0 || (perms & Permissions.SEND_MESSAGES) == 0) {
        throw new GuildException(
            GuildException.Kind.PERMISSION_DENIED,
            "user " + Long.toUnsignedString(authorId) + " may not send messages in channel " + Long.toUnsignedString(channelId));
      }
      long id = ctx.ids().next();
      long ts = SnowflakeGenerator.timestamp(id).toEpochMilli();
      byte[] payload =
          ctx.payloads().bytes(ctx.payloads().message(id, g.id, channelId, author, member, content, ts, nonce));
      step.write(new GuildStore.MessageRow(id, channelId, g.id, authorId, content, nonce, Instant.ofEpochMilli(ts)));
      // Recipients that cannot view the channel skip it on their session worker.
      step.emit("MESSAGE_CREATE", payload, Intents.GUILD_MESSAGES, channelId, id);
      return new CreatedMessage(id, ts);
    };
  }
}
