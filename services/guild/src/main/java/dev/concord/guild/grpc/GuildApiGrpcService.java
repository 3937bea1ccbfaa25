package dev.concord.guild.grpc;

import com.google.protobuf.ByteString;
import dev.concord.guild.core.GuildException;
import dev.concord.guild.core.MessageContent;
import dev.concord.proto.guild.v1.BulkDeleteRequest;
import dev.concord.proto.guild.v1.ChangeResponse;
import dev.concord.proto.guild.v1.RefreshMemberRequest;
import dev.concord.proto.guild.v1.UpdateUserRequest;
import dev.concord.proto.guild.v1.DeleteChannelPermissionRequest;
import dev.concord.proto.guild.v1.MemberRequest;
import dev.concord.proto.guild.v1.RoleRequest;
import dev.concord.proto.guild.v1.UpdateChannelRequest;
import dev.concord.proto.guild.v1.UpdateGuildRequest;
import dev.concord.proto.guild.v1.UpdateMemberRequest;
import dev.concord.proto.guild.v1.UpdateRoleRequest;
import dev.concord.proto.guild.v1.ChannelLocation;
import dev.concord.proto.guild.v1.ChannelRequest;
import dev.concord.proto.guild.v1.DeleteMessagesResponse;
import dev.concord.proto.guild.v1.DiscordJson;
import dev.concord.proto.guild.v1.EditMessageRequest;
import dev.concord.proto.guild.v1.GetGuildRequest;
import dev.concord.proto.guild.v1.GetMembersRequest;
import dev.concord.proto.guild.v1.LocateChannelRequest;
import dev.concord.proto.guild.v1.MessageRequest;
import dev.concord.proto.guild.v1.ReactionRequest;
import dev.concord.proto.guild.v1.ReactionResponse;
import dev.concord.proto.guild.v1.ListMessagesRequest;
import dev.concord.proto.guild.v1.ListMessagesResponse;
import dev.concord.cluster.Channels;
import dev.concord.cluster.Forwarding;
import dev.concord.guild.core.GuildHost;
import dev.concord.guild.core.GuildCommands;
import dev.concord.guild.core.Ownership;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import dev.concord.guild.core.GuildState;
import dev.concord.guild.core.Users;
import dev.concord.proto.guild.v1.AddMemberRequest;
import dev.concord.proto.guild.v1.AddMemberRoleRequest;
import dev.concord.proto.guild.v1.CreateRoleRequest;
import dev.concord.proto.guild.v1.Role;
import dev.concord.proto.guild.v1.SetChannelPermissionRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.concord.proto.guild.v1.Channel;
import dev.concord.proto.guild.v1.CreateChannelRequest;
import dev.concord.proto.guild.v1.CreateGuildRequest;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.CreateUserRequest;
import dev.concord.proto.guild.v1.GetUserRequest;
import dev.concord.proto.guild.v1.GetUsersRequest;
import dev.concord.proto.guild.v1.GetUsersResponse;
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

  private final dev.concord.tracing.Tracing tracing;

  GuildApiGrpcService(GuildCommands commands, Channels channels, dev.concord.tracing.Tracing tracing) {
    this.commands = commands;
    this.host = commands.host();
    this.channels = channels;
    this.tracing = tracing;
  }

  /** Forwards the call to the guild's owner if that is another pod; false if we handle it here. */
  private <T> boolean forwarded(
      long guildId, StreamObserver<T> out, BiConsumer<GuildApiGrpc.GuildApiStub, StreamObserver<T>> call) {
    Ownership own = host.ownership();
    if (own.owns(guildId) || Forwarding.isForwarded() || own.addressOf(guildId).isEmpty()) {
      return false;
    }
    Deadline deadline = Context.current().getDeadline();
    // the caller's trace goes on with the call (a publish reaching a non-owner stays one trace)
    GuildApiGrpc.GuildApiStub stub =
        dev.concord.tracing.GrpcTracing.propagate(
            Forwarding.forwarded(GuildApiGrpc.newStub(channels.forAddress(own.addressOf(guildId)))),
            dev.concord.tracing.GrpcTracing.parent());
    call.accept(deadline != null ? stub.withDeadline(deadline) : stub.withDeadlineAfter(10, TimeUnit.SECONDS), out);
    return true;
  }

  @Override
  public void createUser(CreateUserRequest req, StreamObserver<User> out) {
    Statuses.reply(
        out,
        () -> CompletableFuture.completedFuture(commands.createUser(req.getUsername(), req.getGlobalName(), req.getBot())),
        GuildWire::toWire);
  }

  @Override
  public void getUser(GetUserRequest req, StreamObserver<User> out) {
    Statuses.reply(
        out,
        () -> CompletableFuture.completedFuture(host.users().get(req.getUserId())),
        u -> GuildWire.toWire(u).toBuilder().addAllGuildIds(host.users().guildIdsOf(u.id())).build());
  }

  /** At most this many ids per GetUsers. */
  static final int MAX_USERS_PER_CALL = 1000;

  @Override
  public void getUsers(GetUsersRequest req, StreamObserver<GetUsersResponse> out) {
    if (req.getUserIdsCount() > MAX_USERS_PER_CALL) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("at most " + MAX_USERS_PER_CALL + " user ids").asRuntimeException());
      return;
    }
    GetUsersResponse.Builder b = GetUsersResponse.newBuilder();
    try {
      List<Users.User> found = new ArrayList<>(req.getUserIdsCount());
      List<Long> known = new ArrayList<>(req.getUserIdsCount());
      for (long id : req.getUserIdsList()) {
        Users.User u;
        try {
          u = host.users().get(id);
          known.add(id);
        } catch (GuildException e) {
          u = null; // unknown: answered as id 0
        }
        found.add(u);
      }
      Map<Long, List<Long>> guilds = host.users().guildIdsOf(known);
      for (Users.User u : found) {
        b.addUsers(u == null ? User.getDefaultInstance() : GuildWire.toWire(u).toBuilder().addAllGuildIds(guilds.getOrDefault(u.id(), List.of())).build());
      }
    } catch (RuntimeException e) {
      out.onError(Statuses.toStatus(e));
      return;
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void listMessages(ListMessagesRequest req, StreamObserver<ListMessagesResponse> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.listMessages(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () ->
            commands.history(
                req.getGuildId(),
                req.getChannelId(),
                req.getActorId(),
                req.getBefore(),
                req.getAfter(),
                req.getAround(),
                req.getLimit() == 0 ? 50 : req.getLimit()),
        h -> {
          ListMessagesResponse.Builder b = ListMessagesResponse.newBuilder();
          for (int i = 0; i < h.rows().size(); i++) {
            b.addMessages(GuildWire.toWire(h.rows().get(i)).setJson(ByteString.copyFrom(h.json().get(i))));
          }
          return b.build();
        });
  }

  // ---- Discord-shaped operations (the REST API's) ----

  @Override
  public void locateChannel(LocateChannelRequest req, StreamObserver<ChannelLocation> out) {
    Statuses.reply(
        out,
        () ->
            CompletableFuture.supplyAsync(
                () ->
                    commands
                        .guildOfChannel(req.getChannelId())
                        .orElseThrow(
                            () ->
                                new GuildException(
                                    GuildException.Kind.NOT_FOUND,
                                    GuildException.UNKNOWN_CHANNEL,
                                    "unknown channel " + Long.toUnsignedString(req.getChannelId()))),
                host.readPool()),
        g -> ChannelLocation.newBuilder().setChannelId(req.getChannelId()).setGuildId(g).build());
  }

  @Override
  public void getGuild(GetGuildRequest req, StreamObserver<DiscordJson> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.getGuild(req, o))) {
      Statuses.reply(out, () -> commands.guild(req.getGuildId(), req.getActorId(), req.getWithCounts()), GuildWire::json);
    }
  }

  @Override
  public void getChannels(ChannelRequest req, StreamObserver<DiscordJson> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.getChannels(req, o))) {
      Statuses.reply(out, () -> commands.channels(req.getGuildId(), req.getActorId(), req.getChannelId()), GuildWire::json);
    }
  }

  @Override
  public void getMembers(GetMembersRequest req, StreamObserver<DiscordJson> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.getMembers(req, o))) {
      Statuses.reply(
          out,
          () -> commands.members(req.getGuildId(), req.getActorId(), req.getUserId(), req.getLimit() == 0 ? 1 : req.getLimit(), req.getAfter()),
          GuildWire::json);
    }
  }

  @Override
  public void getRoles(GetGuildRequest req, StreamObserver<DiscordJson> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.getRoles(req, o))) {
      Statuses.reply(out, () -> commands.roles(req.getGuildId(), req.getActorId()), GuildWire::json);
    }
  }

  @Override
  public void getMessage(MessageRequest req, StreamObserver<Message> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.getMessage(req, o))) {
      Statuses.reply(
          out,
          () -> commands.message(req.getGuildId(), req.getChannelId(), req.getMessageId(), req.getActorId()),
          j -> Message.newBuilder().setId(req.getMessageId()).setGuildId(req.getGuildId()).setChannelId(req.getChannelId()).setJson(ByteString.copyFrom(j)).build());
    }
  }

  @Override
  public void editMessage(EditMessageRequest req, StreamObserver<Message> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.editMessage(req, o))) {
      Statuses.reply(
          out,
          () ->
              commands.editMessage(
                  req.getGuildId(),
                  req.getChannelId(),
                  req.getMessageId(),
                  req.getActorId(),
                  req.hasContent() ? req.getContent() : null,
                  req.hasEmbedsJson() ? req.getEmbedsJson() : null,
                  req.hasAllowedMentions() ? GuildWire.allowed(req.getAllowedMentions()) : null),
          j -> Message.newBuilder().setId(req.getMessageId()).setGuildId(req.getGuildId()).setChannelId(req.getChannelId()).setContent(req.getContent()).setJson(ByteString.copyFrom(j)).build());
    }
  }

  @Override
  public void deleteMessage(MessageRequest req, StreamObserver<DeleteMessagesResponse> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.deleteMessage(req, o))) {
      Statuses.reply(
          out,
          () -> commands.deleteMessage(req.getGuildId(), req.getChannelId(), req.getMessageId(), req.getActorId()),
          n -> DeleteMessagesResponse.newBuilder().setDeleted(n).build());
    }
  }

  @Override
  public void bulkDeleteMessages(BulkDeleteRequest req, StreamObserver<DeleteMessagesResponse> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.bulkDeleteMessages(req, o))) {
      Statuses.reply(
          out,
          () -> commands.bulkDelete(req.getGuildId(), req.getChannelId(), req.getMessageIdsList(), req.getActorId()),
          n -> DeleteMessagesResponse.newBuilder().setDeleted(n).build());
    }
  }

  @Override
  public void addReaction(ReactionRequest req, StreamObserver<ReactionResponse> out) {
    react(req, out, true);
  }

  @Override
  public void removeReaction(ReactionRequest req, StreamObserver<ReactionResponse> out) {
    react(req, out, false);
  }

  private void react(ReactionRequest req, StreamObserver<ReactionResponse> out, boolean add) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> {
      if (add) {
        stub.addReaction(req, o);
      } else {
        stub.removeReaction(req, o);
      }
    })) {
      return;
    }
    Statuses.reply(
        out,
        () -> commands.react(req.getGuildId(), req.getChannelId(), req.getMessageId(), req.getActorId(), req.getEmoji(), req.getUserId(), add),
        changed -> ReactionResponse.newBuilder().setChanged(changed).build());
  }

  @Override
  public void listReactions(ReactionRequest req, StreamObserver<DiscordJson> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.listReactions(req, o))) {
      Statuses.reply(
          out,
          () ->
              commands.reactors(
                  req.getGuildId(), req.getChannelId(), req.getMessageId(), req.getActorId(), req.getEmoji(), req.getAfter(), req.getLimit() == 0 ? 25 : req.getLimit()),
          GuildWire::json);
    }
  }

  @Override
  public void triggerTyping(ChannelRequest req, StreamObserver<ReactionResponse> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.triggerTyping(req, o))) {
      Statuses.reply(
          out,
          () -> commands.typing(req.getGuildId(), req.getChannelId(), req.getActorId()),
          changed -> ReactionResponse.newBuilder().setChanged(changed).build());
    }
  }

  // ---- management ----

  @Override
  public void updateGuild(UpdateGuildRequest req, StreamObserver<DiscordJson> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.updateGuild(req, o))) {
      Statuses.reply(out, () -> commands.updateGuild(req.getGuildId(), req.getActorId(), req.getName()), GuildWire::json);
    }
  }

  @Override
  public void deleteGuild(GetGuildRequest req, StreamObserver<ChangeResponse> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.deleteGuild(req, o))) {
      Statuses.reply(out, () -> commands.deleteGuild(req.getGuildId(), req.getActorId()), GuildWire::changed);
    }
  }

  @Override
  public void updateChannel(UpdateChannelRequest req, StreamObserver<DiscordJson> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.updateChannel(req, o))) {
      Statuses.reply(
          out,
          () ->
              commands.updateChannel(
                  req.getGuildId(),
                  req.getActorId(),
                  req.getChannelId(),
                  req.hasName() ? req.getName() : null,
                  req.hasTopic() ? req.getTopic() : null,
                  req.hasPosition() ? (Integer) req.getPosition() : null),
          GuildWire::json);
    }
  }

  @Override
  public void deleteChannel(ChannelRequest req, StreamObserver<DiscordJson> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.deleteChannel(req, o))) {
      Statuses.reply(out, () -> commands.deleteChannel(req.getGuildId(), req.getActorId(), req.getChannelId()), GuildWire::json);
    }
  }

  @Override
  public void deleteChannelPermission(DeleteChannelPermissionRequest req, StreamObserver<ChangeResponse> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.deleteChannelPermission(req, o))) {
      Statuses.reply(
          out,
          () -> commands.deleteChannelPermission(req.getGuildId(), req.getActorId(), req.getChannelId(), req.getTargetId()),
          GuildWire::changed);
    }
  }

  @Override
  public void updateRole(UpdateRoleRequest req, StreamObserver<DiscordJson> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.updateRole(req, o))) {
      Statuses.reply(
          out,
          () ->
              commands.updateRole(
                  req.getGuildId(),
                  req.getActorId(),
                  req.getRoleId(),
                  req.hasName() ? req.getName() : null,
                  req.hasPermissions() ? (Long) req.getPermissions() : null),
          GuildWire::json);
    }
  }

  @Override
  public void deleteRole(RoleRequest req, StreamObserver<ChangeResponse> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.deleteRole(req, o))) {
      Statuses.reply(out, () -> commands.deleteRole(req.getGuildId(), req.getActorId(), req.getRoleId()), GuildWire::changed);
    }
  }

  @Override
  public void removeMemberRole(AddMemberRoleRequest req, StreamObserver<GuildMember> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.removeMemberRole(req, o))) {
      Statuses.reply(
          out,
          () -> commands.removeMemberRole(req.getGuildId(), req.getActorId(), req.getUserId(), req.getRoleId()),
          m -> GuildWire.member(req.getGuildId(), m));
    }
  }

  @Override
  public void updateMember(UpdateMemberRequest req, StreamObserver<DiscordJson> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.updateMember(req, o))) {
      Statuses.reply(
          out,
          () ->
              commands.updateMember(
                  req.getGuildId(),
                  req.getActorId(),
                  req.getUserId(),
                  req.hasNick(),
                  req.hasNick() ? req.getNick() : null,
                  req.getSetRoles() ? req.getRoleIdsList() : null),
          m -> GuildWire.json(commands.memberJson(m)));
    }
  }

  @Override
  public void removeMember(MemberRequest req, StreamObserver<ChangeResponse> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.removeMember(req, o))) {
      Statuses.reply(out, () -> commands.removeMember(req.getGuildId(), req.getActorId(), req.getUserId()), GuildWire::changed);
    }
  }

  @Override
  public void updateUser(UpdateUserRequest req, StreamObserver<User> out) {
    Statuses.reply(
        out,
        () ->
            commands.updateUser(
                req.getUserId(), req.hasUsername() ? req.getUsername() : null, req.hasGlobalName() ? req.getGlobalName() : null),
        u -> GuildWire.toWire(u).toBuilder().addAllGuildIds(host.users().guildIdsOf(u.id())).build());
  }

  @Override
  public void refreshMember(RefreshMemberRequest req, StreamObserver<ChangeResponse> out) {
    if (!forwarded(req.getGuildId(), out, (stub, o) -> stub.refreshMember(req, o))) {
      Statuses.reply(out, () -> commands.refreshMember(req.getGuildId(), req.getUserId(), req.getNotifyUser()), GuildWire::changed);
    }
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
        m -> GuildWire.member(req.getGuildId(), m));
  }

  @Override
  public void createRole(CreateRoleRequest req, StreamObserver<Role> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.createRole(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () -> commands.createRole(req.getGuildId(), req.getActorId(), req.getName(), req.getPermissions()),
        r ->
            Role.newBuilder()
                .setId(r.id())
                .setGuildId(req.getGuildId())
                .setName(r.name())
                .setPermissions(r.permissions())
                .setPosition(r.position())
                .setJson(ByteString.copyFrom(commands.roleJson(r)))
                .build());
  }

  @Override
  public void addMemberRole(AddMemberRoleRequest req, StreamObserver<GuildMember> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.addMemberRole(req, o))) {
      return;
    }
    Statuses.reply(
        out, () -> commands.addMemberRole(req.getGuildId(), req.getActorId(), req.getUserId(), req.getRoleId()), m -> GuildWire.member(req.getGuildId(), m));
  }

  @Override
  public void setChannelPermission(SetChannelPermissionRequest req, StreamObserver<Channel> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.setChannelPermission(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () -> commands.setChannelPermission(req.getGuildId(), req.getActorId(), req.getChannelId(), GuildWire.overwrites(List.of(req.getOverwrite())).get(0)),
        c -> GuildWire.channel(req.getGuildId(), c));
  }

  @Override
  public void createChannel(CreateChannelRequest req, StreamObserver<Channel> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.createChannel(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () -> commands.createChannel(req.getGuildId(), req.getActorId(), req.getName(), req.getTopic(), GuildWire.overwrites(req.getOverwritesList())),
        c -> GuildWire.channel(req.getGuildId(), c).toBuilder().setJson(ByteString.copyFrom(commands.channelJson(req.getGuildId(), c))).build());
  }

  @Override
  public void createMessage(CreateMessageRequest req, StreamObserver<Message> out) {
    if (forwarded(req.getGuildId(), out, (stub, o) -> stub.createMessage(req, o))) {
      return;
    }
    Statuses.reply(
        out,
        () ->
            tracing.traced(
                "GuildApi/CreateMessage",
                dev.concord.tracing.GrpcTracing.parent(),
                () ->
                    commands.createMessage(
                        req.getGuildId(),
                        req.getChannelId(),
                        req.getAuthorId(),
                        new MessageContent.Draft(
                            req.getContent(),
                            req.getEmbedsJson(),
                            req.hasAllowedMentions() ? GuildWire.allowed(req.getAllowedMentions()) : null),
                        req.getNonce(),
                        req.getEnforceNonce(),
                        req.getReferenceMessageId(),
                        req.getFailIfNotExists())),
        m ->
            Message.newBuilder()
                .setId(m.id())
                .setGuildId(req.getGuildId())
                .setChannelId(req.getChannelId())
                .setAuthorId(req.getAuthorId())
                .setContent(req.getContent())
                .setNonce(req.getNonce())
                .setTimestampMs(m.timestampMs())
                .setJson(ByteString.copyFrom(m.json()))
                .build());
  }

}
