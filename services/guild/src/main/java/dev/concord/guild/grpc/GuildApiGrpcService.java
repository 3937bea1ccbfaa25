package dev.concord.guild.grpc;

import dev.concord.guild.store.GuildStore;
import dev.concord.proto.guild.v1.ListMessagesRequest;
import dev.concord.proto.guild.v1.ListMessagesResponse;
import dev.concord.cluster.Channels;
import dev.concord.cluster.Forwarding;
import dev.concord.guild.core.GuildHost;
import dev.concord.guild.core.GuildCommands;
import dev.concord.guild.core.Ownership;
import io.grpc.Context;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import dev.concord.guild.core.GuildState;
import dev.concord.guild.core.Users;
import dev.concord.proto.guild.v1.AddMemberRequest;
import dev.concord.proto.guild.v1.AddMemberRoleRequest;
import dev.concord.proto.guild.v1.CreateRoleRequest;
import dev.concord.proto.guild.v1.PermissionOverwrite;
import dev.concord.proto.guild.v1.Role;
import dev.concord.proto.guild.v1.SetChannelPermissionRequest;
import java.util.ArrayList;
import java.util.List;
import dev.concord.proto.guild.v1.Channel;
import dev.concord.proto.guild.v1.CreateChannelRequest;
import dev.concord.proto.guild.v1.CreateGuildRequest;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.CreateUserRequest;
import dev.concord.proto.guild.v1.GetUserRequest;
import dev.concord.proto.guild.v1.Guild;
import dev.concord.proto.guild.v1.GuildApiGrpc;
import dev.concord.proto.guild.v1.GuildMember;
import dev.concord.proto.guild.v1.Message;
import dev.concord.proto.guild.v1.User;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;

/**
 * The guild API for backends: a thin translation onto {@link GuildCommands}. API clients may call any
 * guild pod: a call for a guild another pod owns is forwarded once to the owner by this pod's
 * ring (see {@link Forwarding}).
 */
@Service
final class GuildApiGrpcService extends GuildApiGrpc.GuildApiImplBase {
  private final GuildHost host;
  private final GuildCommands commands;
  private final Channels channels;

  GuildApiGrpcService(GuildCommands commands, Channels channels) {
    this.commands = commands;
    this.host = commands.host();
    this.channels = channels;
  }

  /** Forwards the call to the guild's owner if that is another pod; false if we handle it here. */
  private <T> boolean forwarded(
      long guildId, StreamObserver<T> out, BiConsumer<GuildApiGrpc.GuildApiStub, StreamObserver<T>> call) {
    Ownership own = host.ownership();
    if (own.owns(guildId) || Forwarding.isForwarded() || own.addressOf(guildId).isEmpty()) {
      return false;
    }
    Deadline deadline = Context.current().getDeadline();
    GuildApiGrpc.GuildApiStub stub = Forwarding.forwarded(GuildApiGrpc.newStub(channels.forAddress(own.addressOf(guildId))));
    call.accept(deadline != null ? stub.withDeadline(deadline) : stub.withDeadlineAfter(10, TimeUnit.SECONDS), out);
    return true;
  }

  @Override
  public void createUser(CreateUserRequest req, StreamObserver<User> out) {
    Statuses.reply(
        out,
        () -> CompletableFuture.completedFuture(commands.createUser(req.getUsername(), req.getGlobalName(), req.getBot())),
        GuildApiGrpcService::toWire);
  }

  @Override
  public void getUser(GetUserRequest req, StreamObserver<User> out) {
    Statuses.reply(
        out,
        () -> CompletableFuture.completedFuture(host.users().get(req.getUserId())),
        u -> toWire(u).toBuilder().addAllGuildIds(host.users().guildIdsOf(u.id())).build());
  }

  @Override
  public void listMessages(ListMessagesRequest req, StreamObserver<ListMessagesResponse> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.listMessages(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () -> host.messages(req.getGuildId(), req.getChannelId(), req.getBefore(), req.getAfter(), req.getLimit() == 0 ? 50 : req.getLimit()),
        rows -> {
          ListMessagesResponse.Builder b = ListMessagesResponse.newBuilder();
          for (GuildStore.MessageRow m : rows) {
            b.addMessages(
                Message.newBuilder()
                    .setId(m.id())
                    .setGuildId(m.guildId())
                    .setChannelId(m.channelId())
                    .setAuthorId(m.authorId())
                    .setContent(m.content())
                    .setNonce(m.nonce() == null ? "" : m.nonce())
                    .setTimestampMs(m.createdAt().toEpochMilli()));
          }
          return b.build();
        });
  }

  @Override
  public void createGuild(CreateGuildRequest req, StreamObserver<Guild> out) {
    Statuses.reply(
        out,
        () -> commands.createGuild(req.getName(), req.getOwnerId()),
        (GuildState g) ->
            Guild.newBuilder().setId(g.id()).setName(g.name()).setOwnerId(g.ownerId()).build());
  }

  @Override
  public void addMember(AddMemberRequest req, StreamObserver<GuildMember> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.addMember(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () -> commands.addMember(req.getGuildId(), req.getUserId()),
        m -> member(req.getGuildId(), m));
  }

  @Override
  public void createRole(CreateRoleRequest req, StreamObserver<Role> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.createRole(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () -> commands.createRole(req.getGuildId(), req.getName(), req.getPermissions()),
        r ->
            Role.newBuilder()
                .setId(r.id())
                .setGuildId(req.getGuildId())
                .setName(r.name())
                .setPermissions(r.permissions())
                .setPosition(r.position())
                .build());
  }

  @Override
  public void addMemberRole(AddMemberRoleRequest req, StreamObserver<GuildMember> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.addMemberRole(req, o))) {
      return;
    }
    Statuses.reply(
        out, () -> commands.addMemberRole(req.getGuildId(), req.getUserId(), req.getRoleId()), m -> member(req.getGuildId(), m));
  }

  @Override
  public void setChannelPermission(SetChannelPermissionRequest req, StreamObserver<Channel> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.setChannelPermission(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () -> commands.setChannelPermission(req.getGuildId(), req.getChannelId(), overwrites(List.of(req.getOverwrite())).get(0)),
        c -> channel(req.getGuildId(), c));
  }

  private static List<GuildState.Overwrite> overwrites(List<PermissionOverwrite> wire) {
    List<GuildState.Overwrite> out = new ArrayList<>(wire.size());
    for (PermissionOverwrite o : wire) {
      out.add(new GuildState.Overwrite(o.getId(), o.getType(), o.getAllow(), o.getDeny()));
    }
    return out;
  }

  private static GuildMember member(long guildId, GuildState.Member m) {
    return GuildMember.newBuilder()
        .setGuildId(guildId)
        .setUserId(m.userId())
        .setJoinedAtMs(m.joinedAtMs())
        .addAllRoleIds(m.roles())
        .build();
  }

  private static Channel channel(long guildId, GuildState.Channel c) {
    return Channel.newBuilder()
        .setId(c.id())
        .setGuildId(guildId)
        .setName(c.name())
        .setType(c.type())
        .setPosition(c.position())
        .build();
  }

  @Override
  public void createChannel(CreateChannelRequest req, StreamObserver<Channel> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.createChannel(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () -> commands.createChannel(req.getGuildId(), req.getName(), req.getTopic(), overwrites(req.getOverwritesList())),
        c -> channel(req.getGuildId(), c));
  }

  @Override
  public void createMessage(CreateMessageRequest req, StreamObserver<Message> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.createMessage(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () ->
            commands.createMessage(
                req.getGuildId(), req.getChannelId(), req.getAuthorId(), req.getContent(), req.getNonce()),
        m ->
            Message.newBuilder()
                .setId(m.id())
                .setGuildId(req.getGuildId())
                .setChannelId(req.getChannelId())
                .setAuthorId(req.getAuthorId())
                .setContent(req.getContent())
                .setNonce(req.getNonce())
                .setTimestampMs(m.timestampMs())
                .build());
  }

  private static User toWire(Users.User u) {
    return User.newBuilder()
        .setId(u.id())
        .setUsername(u.username())
        .setGlobalName(u.globalName() == null ? "" : u.globalName())
        .setBot(u.bot())
        .build();
  }
}
