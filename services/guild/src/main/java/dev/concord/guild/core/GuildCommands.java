package dev.concord.guild.core;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The operations of the guild API, each one line: build the operation (its input checks run here,
 * on the caller's thread) and submit it to the guild's loop through the {@link GuildHost}. The
 * one entry the gRPC services and tests use.
 */
public final class GuildCommands {
  private final GuildHost host;
  private final MessageOps messages;
  private final ChannelOps channels;
  private final MemberOps members;
  private final RoleOps roles;

  public GuildCommands(GuildHost host) {
    this.host = host;
    OpContext ctx = host.opContext();
    this.messages = new MessageOps(ctx);
    this.channels = new ChannelOps(ctx);
    this.members = new MemberOps(ctx);
    this.roles = new RoleOps(ctx);
  }

  public GuildHost host() {
    return host;
  }

  public Users.User createUser(String username, String globalName, boolean bot) {
    return host.createUser(username, globalName, bot);
  }

  public CompletableFuture<GuildState> createGuild(String name, long ownerId) {
    return host.createGuild(name, ownerId);
  }

  public CompletableFuture<GuildState.Member> addMember(long guildId, long userId) {
    return host.submit(guildId, members.add(userId));
  }

  public CompletableFuture<GuildState.Member> addMemberRole(long guildId, long userId, long roleId) {
    return host.submit(guildId, members.addRole(userId, roleId));
  }

  public CompletableFuture<Boolean> publishPresence(long guildId, long userId, byte[] presenceJson) {
    return host.submit(guildId, members.presence(userId, presenceJson));
  }

  public CompletableFuture<GuildState.Channel> createChannel(long guildId, String name, String topic) {
    return createChannel(guildId, name, topic, List.of());
  }

  public CompletableFuture<GuildState.Channel> createChannel(
      long guildId, String name, String topic, List<GuildState.Overwrite> overwrites) {
    return host.submit(guildId, channels.create(name, topic, overwrites));
  }

  public CompletableFuture<GuildState.Channel> setChannelPermission(long guildId, long channelId, GuildState.Overwrite overwrite) {
    return host.submit(guildId, channels.setPermission(channelId, overwrite));
  }

  public CompletableFuture<GuildState.Role> createRole(long guildId, String name, long permissions) {
    return host.submit(guildId, roles.create(name, permissions));
  }

  public CompletableFuture<MessageOps.CreatedMessage> createMessage(
      long guildId, long channelId, long authorId, String content, String nonce) {
    return host.submit(guildId, messages.create(channelId, authorId, content, nonce));
  }
}
