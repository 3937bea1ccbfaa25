package dev.concord.gateway.rest;

import dev.concord.gateway.guild.GuildClient;
import dev.concord.proto.guild.v1.ChannelRequest;
import dev.concord.proto.guild.v1.CreateGuildRequest;
import dev.concord.proto.guild.v1.DiscordJson;
import dev.concord.proto.guild.v1.GetGuildRequest;
import dev.concord.proto.guild.v1.GetMembersRequest;
import dev.concord.proto.guild.v1.Guild;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** {@code /guilds}: create a guild; read a guild, its channels, members and roles. */
final class GuildResource {
  private final GuildClient guilds;

  GuildResource(GuildClient guilds) {
    this.guilds = guilds;
  }

  /** POST /guilds {name}: a new guild owned by the caller. */
  Mono<ServerResponse> create(ServerRequest req) {
    long me = RestIo.user(req);
    return RestIo.body(req)
        .flatMap(
            body -> {
              String name = RestIo.string(body, "name", "");
              if (name.codePointCount(0, name.length()) < 2 || name.codePointCount(0, name.length()) > 100 || name.isBlank()) {
                throw RestException.invalidField("name", "Must be between 2 and 100 in length.");
              }
              return guilds.<Guild>call(
                  me, (stub, o) -> stub.createGuild(CreateGuildRequest.newBuilder().setName(name).setOwnerId(me).build(), o));
            })
        .flatMap(g -> guildJson(g.getId(), me, false))
        .flatMap(j -> ServerResponse.status(201).contentType(org.springframework.http.MediaType.APPLICATION_JSON).bodyValue(j));
  }

  /** GET /guilds/{guild}?with_counts */
  Mono<ServerResponse> get(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    return guildJson(guild, me, RestIo.boolParam(req, "with_counts")).flatMap(RestIo::json);
  }

  /** GET /guilds/{guild}/channels */
  Mono<ServerResponse> channels(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    return guilds
        .<DiscordJson>call(
            guild, (stub, o) -> stub.getChannels(ChannelRequest.newBuilder().setGuildId(guild).setActorId(me).build(), o))
        .flatMap(j -> RestIo.json(j.getJson()));
  }

  /** GET /guilds/{guild}/members?limit=1..1000&after */
  Mono<ServerResponse> members(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    int limit = RestIo.intParam(req, "limit", 1, 1000, 1);
    long after = RestIo.snowflakeParam(req, "after");
    return guilds
        .<DiscordJson>call(
            guild,
            (stub, o) ->
                stub.getMembers(GetMembersRequest.newBuilder().setGuildId(guild).setActorId(me).setLimit(limit).setAfter(after).build(), o))
        .flatMap(j -> RestIo.json(j.getJson()));
  }

  /** GET /guilds/{guild}/members/{user} */
  Mono<ServerResponse> member(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    long user = RestIo.snowflake(req, "user");
    return guilds
        .<DiscordJson>call(
            guild, (stub, o) -> stub.getMembers(GetMembersRequest.newBuilder().setGuildId(guild).setActorId(me).setUserId(user).build(), o))
        .flatMap(j -> RestIo.json(j.getJson()));
  }

  /** GET /guilds/{guild}/roles */
  Mono<ServerResponse> roles(ServerRequest req) {
    long me = RestIo.user(req);
    long guild = RestIo.snowflake(req, "guild");
    return guilds
        .<DiscordJson>call(guild, (stub, o) -> stub.getRoles(GetGuildRequest.newBuilder().setGuildId(guild).setActorId(me).build(), o))
        .flatMap(j -> RestIo.json(j.getJson()));
  }

  private Mono<byte[]> guildJson(long guild, long me, boolean withCounts) {
    return guilds
        .<DiscordJson>call(
            guild,
            (stub, o) -> stub.getGuild(GetGuildRequest.newBuilder().setGuildId(guild).setActorId(me).setWithCounts(withCounts).build(), o))
        .map(j -> j.getJson().toByteArray());
  }
}
