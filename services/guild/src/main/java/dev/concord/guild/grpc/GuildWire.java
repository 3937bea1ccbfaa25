package dev.concord.guild.grpc;

import dev.concord.guild.store.GuildStore;
import com.google.protobuf.ByteString;
import dev.concord.guild.core.GuildException;
import dev.concord.guild.core.MessageContent;
import dev.concord.proto.guild.v1.ChangeResponse;
import dev.concord.proto.guild.v1.DiscordJson;
import dev.concord.guild.core.GuildState;
import dev.concord.guild.core.Users;
import dev.concord.proto.guild.v1.PermissionOverwrite;
import java.util.ArrayList;
import java.util.List;
import dev.concord.proto.guild.v1.Channel;
import dev.concord.proto.guild.v1.GuildMember;
import dev.concord.proto.guild.v1.Message;
import dev.concord.proto.guild.v1.User;

/** Guild state and rows as GuildApi wire messages, and wire inputs as guild types. */
final class GuildWire {
  private GuildWire() {}

  static Message.Builder toWire(GuildStore.MessageRow m) {
    return Message.newBuilder()
        .setId(m.id())
        .setGuildId(m.guildId())
        .setChannelId(m.channelId())
        .setAuthorId(m.authorId())
        .setContent(m.content())
        .setNonce(m.nonce() == null ? "" : m.nonce())
        .setTimestampMs(m.createdAt().toEpochMilli())
        .setEditedTimestampMs(m.editedAt() == null ? 0 : m.editedAt().toEpochMilli())
        .setReferencedMessageId(m.referencedId());
  }

  static ChangeResponse changed(boolean changed) {
    return ChangeResponse.newBuilder().setChanged(changed).build();
  }

  static DiscordJson json(byte[] bytes) {
    return DiscordJson.newBuilder().setJson(ByteString.copyFrom(bytes)).build();
  }

  static List<GuildState.Overwrite> overwrites(List<PermissionOverwrite> wire) {
    List<GuildState.Overwrite> out = new ArrayList<>(wire.size());
    for (PermissionOverwrite o : wire) {
      out.add(new GuildState.Overwrite(o.getId(), o.getType(), o.getAllow(), o.getDeny()));
    }
    return out;
  }

  static GuildMember member(long guildId, GuildState.Member m) {
    return GuildMember.newBuilder()
        .setGuildId(guildId)
        .setUserId(m.userId())
        .setJoinedAtMs(m.joinedAtMs())
        .addAllRoleIds(m.roles())
        .build();
  }

  static Channel channel(long guildId, GuildState.Channel c) {
    return Channel.newBuilder()
        .setId(c.id())
        .setGuildId(guildId)
        .setName(c.name())
        .setType(c.type())
        .setPosition(c.position())
        .build();
  }

  static MessageContent.Allowed allowed(dev.concord.proto.guild.v1.AllowedMentions a) {
    if (a.getUsersCount() > MessageContent.MAX_MENTIONS) {
      throw new GuildException(GuildException.Kind.INVALID_ARGUMENT, GuildException.INVALID_FORM_BODY, "allowed_mentions.users: more than 100");
    }
    return new MessageContent.Allowed(a.getParseUsers(), List.copyOf(a.getUsersList()), a.getRepliedUser());
  }

  static User toWire(Users.User u) {
    return User.newBuilder()
        .setId(u.id())
        .setUsername(u.username())
        .setGlobalName(u.globalName() == null ? "" : u.globalName())
        .setBot(u.bot())
        .build();
  }
}
