package dev.concord.gateway.rest;

import dev.concord.gateway.guild.GuildClient;
import dev.concord.proto.guild.v1.AddMemberRoleRequest;
import dev.concord.proto.guild.v1.ChangeResponse;
import dev.concord.proto.guild.v1.Channel;
import dev.concord.proto.guild.v1.ChannelRequest;
import dev.concord.proto.guild.v1.CreateChannelRequest;
import dev.concord.proto.guild.v1.CreateRoleRequest;
import dev.concord.proto.guild.v1.DeleteChannelPermissionRequest;
import dev.concord.proto.guild.v1.DiscordJson;
import dev.concord.proto.guild.v1.GetGuildRequest;
import dev.concord.proto.guild.v1.GuildMember;
import dev.concord.proto.guild.v1.MemberRequest;
import dev.concord.proto.guild.v1.PermissionOverwrite;
import dev.concord.proto.guild.v1.Role;
import dev.concord.proto.guild.v1.RoleRequest;
import dev.concord.proto.guild.v1.SetChannelPermissionRequest;
import dev.concord.proto.guild.v1.UpdateChannelRequest;
import dev.concord.proto.guild.v1.UpdateGuildRequest;
import dev.concord.proto.guild.v1.UpdateMemberRequest;
import dev.concord.proto.guild.v1.UpdateRoleRequest;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The REST writes that manage a guild: the guild itself, its channels and their permission
 * overwrites, its roles, and its members (nick, roles, kick, leave). The guild pod checks the
 * caller's permissions and the role hierarchy; this class only translates JSON.
 */
final class ManagementResource {
  private final GuildClient guilds;

  ManagementResource(GuildClient guilds) {
    this.guilds = guilds;
  }

  /** PATCH /guilds/{guild} {name} */
  Mono<ServerResponse> updateGuild(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    return RestIo.body(req)
        .flatMap(
            body -> {
              String name = RestIo.string(body, "name", "");
              if (name.isEmpty()) {
                throw RestException.invalidField("name", "This field is required");
              }
              return guilds.<DiscordJson>call(
                  guild, (stub, o) -> stub.updateGuild(UpdateGuildRequest.newBuilder().setGuildId(guild).setActorId(me).setName(name).build(), o));
            })
        .flatMap(j -> RestIo.json(j.getJson()));
  }

  /** DELETE /guilds/{guild} (the owner): 204. */
  Mono<ServerResponse> deleteGuild(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    return guilds
        .<ChangeResponse>call(guild, (stub, o) -> stub.deleteGuild(GetGuildRequest.newBuilder().setGuildId(guild).setActorId(me).build(), o))
        .then(RestIo.noContent());
  }

  /** POST /guilds/{guild}/channels {name, topic, type 0, permission_overwrites}: 201 with the channel. */
  Mono<ServerResponse> createChannel(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    return RestIo.body(req)
        .flatMap(
            body -> {
              JsonNode type = body.get("type");
              if (type != null && !type.isNull() && type.asInt(-1) != 0) {
                throw RestException.invalidField("type", "Only text channels (type 0) are supported by Concord yet.");
              }
              CreateChannelRequest.Builder b =
                  CreateChannelRequest.newBuilder()
                      .setGuildId(guild)
                      .setActorId(me)
                      .setName(RestIo.string(body, "name", ""))
                      .setTopic(RestIo.string(body, "topic", ""));
              JsonNode ows = body.get("permission_overwrites");
              if (ows != null && !ows.isNull()) {
                if (!ows.isArray() || ows.size() > 100) {
                  throw RestException.invalidField("permission_overwrites", "Must be an array of at most 100 overwrites.");
                }
                for (JsonNode o : ows) {
                  if (!(o instanceof ObjectNode on)) {
                    throw RestException.invalidField("permission_overwrites", "Each overwrite must be an object.");
                  }
                  b.addOverwrites(overwrite(on, RestIo.snowflake("permission_overwrites.id", RestIo.string(on, "id", ""))));
                }
              }
              return guilds.<Channel>call(guild, (stub, o) -> stub.createChannel(b.build(), o));
            })
        .flatMap(c -> ServerResponse.status(201).contentType(MediaType.APPLICATION_JSON).bodyValue(c.getJson().toByteArray()));
  }

  /** PATCH /channels/{channel} {name, topic, position} */
  Mono<ServerResponse> updateChannel(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    return RestIo.body(req)
        .flatMap(
            body -> {
              UpdateChannelRequest.Builder b = UpdateChannelRequest.newBuilder().setChannelId(channel).setActorId(me);
              if (body.hasNonNull("name")) {
                b.setName(RestIo.string(body, "name", ""));
              }
              if (body.has("topic")) {
                b.setTopic(RestIo.string(body, "topic", ""));
              }
              if (body.hasNonNull("position")) {
                JsonNode p = body.get("position");
                if (!p.isIntegralNumber() || p.asInt() < 0) {
                  throw RestException.invalidField("position", "Must be a non-negative integer.");
                }
                b.setPosition(p.asInt());
              }
              return guilds.<DiscordJson>callForChannel(channel, (guild, stub, o) -> stub.updateChannel(b.setGuildId(guild).build(), o));
            })
        .flatMap(j -> RestIo.json(j.getJson()));
  }

  /** DELETE /channels/{channel}: the deleted channel object. */
  Mono<ServerResponse> deleteChannel(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    return guilds.<DiscordJson>callForChannel(channel, (guild, stub, o) -> stub.deleteChannel(ChannelRequest.newBuilder().setGuildId(guild).setChannelId(channel).setActorId(me).build(), o))
        .flatMap(j -> RestIo.json(j.getJson()));
  }

  /** PUT /channels/{channel}/permissions/{overwrite} {type 0|1, allow, deny}: 204. */
  Mono<ServerResponse> putPermission(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    long target = RestIo.snowflake(req, "overwrite");
    return RestIo.body(req)
        .flatMap(
            body ->
                guilds.<Channel>callForChannel(channel, (guild, stub, o) ->
                                    stub.setChannelPermission(
                                        SetChannelPermissionRequest.newBuilder()
                                            .setGuildId(guild)
                                            .setChannelId(channel)
                                            .setActorId(me)
                                            .setOverwrite(overwrite(body, target))
                                            .build(),
                                        o)))
        .then(RestIo.noContent());
  }

  /** DELETE /channels/{channel}/permissions/{overwrite}: 204. */
  Mono<ServerResponse> deletePermission(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    long target = RestIo.snowflake(req, "overwrite");
    return guilds.<ChangeResponse>callForChannel(channel, (guild, stub, o) ->
                        stub.deleteChannelPermission(
                            DeleteChannelPermissionRequest.newBuilder().setGuildId(guild).setChannelId(channel).setActorId(me).setTargetId(target).build(),
                            o))
        .then(RestIo.noContent());
  }

  /** POST /guilds/{guild}/roles {name, permissions}: the role. */
  Mono<ServerResponse> createRole(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    return RestIo.body(req)
        .flatMap(
            body ->
                guilds.<Role>call(
                    guild,
                    (stub, o) ->
                        stub.createRole(
                            CreateRoleRequest.newBuilder()
                                .setGuildId(guild)
                                .setActorId(me)
                                .setName(RestIo.string(body, "name", "new role"))
                                .setPermissions(permissions(body, "permissions", 0))
                                .build(),
                            o)))
        .flatMap(r -> RestIo.json(r.getJson()));
  }

  /** PATCH /guilds/{guild}/roles/{role} {name, permissions}: the role. */
  Mono<ServerResponse> updateRole(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    long role = RestIo.snowflake(req, "role");
    return RestIo.body(req)
        .flatMap(
            body -> {
              UpdateRoleRequest.Builder b = UpdateRoleRequest.newBuilder().setGuildId(guild).setRoleId(role).setActorId(me);
              if (body.hasNonNull("name")) {
                b.setName(RestIo.string(body, "name", ""));
              }
              if (body.hasNonNull("permissions")) {
                b.setPermissions(permissions(body, "permissions", 0));
              }
              return guilds.<DiscordJson>call(guild, (stub, o) -> stub.updateRole(b.build(), o));
            })
        .flatMap(j -> RestIo.json(j.getJson()));
  }

  /** DELETE /guilds/{guild}/roles/{role}: 204. */
  Mono<ServerResponse> deleteRole(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    long role = RestIo.snowflake(req, "role");
    return guilds
        .<ChangeResponse>call(guild, (stub, o) -> stub.deleteRole(RoleRequest.newBuilder().setGuildId(guild).setRoleId(role).setActorId(me).build(), o))
        .then(RestIo.noContent());
  }

  /** PATCH /guilds/{guild}/members/{user} (or @me) {nick, roles}: the member. */
  Mono<ServerResponse> updateMember(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    long user = "@me".equals(req.pathVariable("user")) ? me : RestIo.snowflake(req, "user");
    return RestIo.body(req)
        .flatMap(
            body -> {
              UpdateMemberRequest.Builder b = UpdateMemberRequest.newBuilder().setGuildId(guild).setUserId(user).setActorId(me);
              if (body.has("nick")) {
                b.setNick(RestIo.string(body, "nick", ""));
              }
              JsonNode roles = body.get("roles");
              if (roles != null && !roles.isNull()) {
                if (!roles.isArray()) {
                  throw RestException.invalidField("roles", "Must be an array of role ids.");
                }
                b.setSetRoles(true);
                for (JsonNode r : roles) {
                  b.addRoleIds(RestIo.snowflake("roles", r.asString("")));
                }
              }
              return guilds.<DiscordJson>call(guild, (stub, o) -> stub.updateMember(b.build(), o));
            })
        .flatMap(j -> RestIo.json(j.getJson()));
  }

  /** DELETE /guilds/{guild}/members/{user}: a kick; 204. */
  Mono<ServerResponse> kick(ServerRequest req) {
    long me = RestIo.user(req);
    return remove(RestIo.snowflake(req, "guild"), me, RestIo.snowflake(req, "user"));
  }

  /** DELETE /users/@me/guilds/{guild}: leave; 204. */
  Mono<ServerResponse> leave(ServerRequest req) {
    long me = RestIo.user(req);
    return remove(RestIo.snowflake(req, "guild"), me, me);
  }

  private Mono<ServerResponse> remove(long guild, long actor, long user) {
    return guilds
        .<ChangeResponse>call(guild, (stub, o) -> stub.removeMember(MemberRequest.newBuilder().setGuildId(guild).setUserId(user).setActorId(actor).build(), o))
        .then(RestIo.noContent());
  }

  /** PUT|DELETE /guilds/{guild}/members/{user}/roles/{role}: 204. */
  Mono<ServerResponse> memberRole(ServerRequest req, boolean add) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    AddMemberRoleRequest r =
        AddMemberRoleRequest.newBuilder()
            .setGuildId(guild)
            .setUserId(RestIo.snowflake(req, "user"))
            .setRoleId(RestIo.snowflake(req, "role"))
            .setActorId(me)
            .build();
    return guilds
        .<GuildMember>call(
            guild,
            (stub, o) -> {
              if (add) {
                stub.addMemberRole(r, o);
              } else {
                stub.removeMemberRole(r, o);
              }
            })
        .then(RestIo.noContent());
  }

  Mono<ServerResponse> addMemberRole(ServerRequest req) {
    return memberRole(req, true);
  }

  Mono<ServerResponse> removeMemberRole(ServerRequest req) {
    return memberRole(req, false);
  }

  private static PermissionOverwrite overwrite(ObjectNode body, long target) {
    JsonNode type = body.get("type");
    if (type == null || !type.isIntegralNumber() || (type.asInt() != 0 && type.asInt() != 1)) {
      throw RestException.invalidField("type", "Must be 0 (role) or 1 (member).");
    }
    return PermissionOverwrite.newBuilder()
        .setId(target)
        .setType(type.asInt())
        .setAllow(permissions(body, "allow", 0))
        .setDeny(permissions(body, "deny", 0))
        .build();
  }

  /** A permission bit set: a decimal string (Discord's form) or a number. */
  private static long permissions(ObjectNode body, String field, long dflt) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    try {
      long v = Long.parseUnsignedLong(n.asString(""));
      if (v >>> 53 != 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw RestException.invalidField(field, "Must be a permission bit set (a decimal string).");
    }
  }
}
