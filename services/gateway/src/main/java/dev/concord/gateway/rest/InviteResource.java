package dev.concord.gateway.rest;

import dev.concord.gateway.guild.GuildClient;
import dev.concord.proto.guild.v1.CreateInviteRequest;
import dev.concord.proto.guild.v1.DeleteInviteRequest;
import dev.concord.proto.guild.v1.GetUserRequest;
import dev.concord.proto.guild.v1.Invite;
import dev.concord.proto.guild.v1.InviteRequest;
import dev.concord.proto.guild.v1.InvitesGrpc;
import dev.concord.proto.guild.v1.UseInviteRequest;
import dev.concord.proto.guild.v1.UseInviteResponse;
import dev.concord.proto.guild.v1.User;
import java.time.Instant;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * Invites: {@code POST /channels/{id}/invites}, {@code GET|POST|DELETE /invites/{code}}. Creating,
 * using and deleting one run on the guild's owner (who may, membership); reading one on any guild
 * pod. Joining by one adds the member (GUILD_MEMBER_ADD to the guild; the guild pod then tells the
 * session pod holding the user's sessions, which join it and get its GUILD_CREATE).
 */
final class InviteResource {
  static final int DEFAULT_MAX_AGE = 86_400;

  private final GuildClient guilds;

  InviteResource(GuildClient guilds) {
    this.guilds = guilds;
  }

  /** POST /channels/{id}/invites {max_age (0..604800, default 86400), max_uses (0..100, default 0)}. */
  Mono<ServerResponse> create(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    return RestIo.body(req)
        .flatMap(
            body -> {
              int maxAge = intField(body, "max_age", DEFAULT_MAX_AGE, 604_800);
              int maxUses = intField(body, "max_uses", 0, 100);
              return guilds.guildOf(channel)
                  .flatMap(
                      guild ->
                          this.<Invite>invites(guild, (stub, o) ->
                                  stub.createInvite(
                                      CreateInviteRequest.newBuilder()
                                          .setGuildId(guild)
                                          .setChannelId(channel)
                                          .setActorId(me)
                                          .setMaxAge(maxAge)
                                          .setMaxUses(maxUses)
                                          .build(),
                                      o)));
            })
        .flatMap(this::withInviter)
        .flatMap(j -> RestIo.json(j));
  }

  /** GET /invites/{code}: the invite, with approximate_member_count. */
  Mono<ServerResponse> get(ServerRequest req) {
    String code = req.pathVariable("code");
    return lookup(code).map(i -> json(i, null, false)).flatMap(RestIo::json);
  }

  /** POST /invites/{code}: the caller joins the guild (nothing happens if already a member). */
  Mono<ServerResponse> accept(ServerRequest req) {
    long me = RestIo.user(req);
    String code = req.pathVariable("code");
    return lookup(code)
        .flatMap(
            i ->
                this.<UseInviteResponse>invites(i.getGuildId(), (stub, o) -> stub.useInvite(UseInviteRequest.newBuilder().setCode(code).setGuildId(i.getGuildId()).setUserId(me).build(), o)))
        .map(r -> json(r.getInvite(), null, false))
        .flatMap(RestIo::json);
  }

  /**
   * DELETE /invites/{code}: by its inviter or a member who manages the channel or the guild. An
   * expired or used-up invite is already gone (10006).
   */
  Mono<ServerResponse> delete(ServerRequest req) {
    long me = RestIo.user(req);
    String code = req.pathVariable("code");
    return lookup(code)
        .flatMap(
            i ->
                this.<Invite>invites(i.getGuildId(), (stub, o) -> stub.deleteInvite(DeleteInviteRequest.newBuilder().setCode(code).setGuildId(i.getGuildId()).setActorId(me).build(), o)))
        .map(i -> json(i, null, true))
        .flatMap(RestIo::json);
  }

  private Mono<Invite> lookup(String code) {
    return this.<Invite>invites(code.hashCode(), (stub, o) -> stub.getInvite(InviteRequest.newBuilder().setCode(code).build(), o));
  }

  /** One call of the guild pods' Invites service on the owner of {@code key}. */
  private <T> Mono<T> invites(long key, java.util.function.BiConsumer<InvitesGrpc.InvitesStub, io.grpc.stub.StreamObserver<T>> call) {
    return guilds.callWith(key, InvitesGrpc::newStub, call);
  }

  private Mono<ObjectNode> withInviter(Invite i) {
    return guilds
        .<User>call(i.getInviterId(), (stub, o) -> stub.getUser(GetUserRequest.newBuilder().setUserId(i.getInviterId()).build(), o))
        .map(u -> json(i, u, true))
        .onErrorResume(e -> Mono.just(json(i, null, true)));
  }

  /** Discord's invite object; with {@code metadata} the uses, limits and creation time too. */
  static ObjectNode json(Invite i, User inviter, boolean metadata) {
    ObjectNode o = RestIo.JSON.createObjectNode();
    o.put("type", 0);
    o.put("code", i.getCode());
    ObjectNode g = o.putObject("guild");
    g.put("id", Long.toUnsignedString(i.getGuildId()));
    g.put("name", i.getGuildName());
    g.putNull("icon");
    g.putNull("splash");
    g.putNull("banner");
    g.putNull("description");
    g.putArray("features");
    g.put("verification_level", 0);
    g.put("nsfw_level", 0);
    ObjectNode c = o.putObject("channel");
    c.put("id", Long.toUnsignedString(i.getChannelId()));
    c.put("type", 0);
    c.put("name", i.getChannelName());
    if (inviter != null) {
      o.set("inviter", UserResource.publicUser(inviter));
    }
    if (i.getExpiresAtMs() == 0) {
      o.putNull("expires_at");
    } else {
      o.put("expires_at", Instant.ofEpochMilli(i.getExpiresAtMs()).toString());
    }
    if (i.getMemberCount() > 0) {
      o.put("approximate_member_count", i.getMemberCount());
    }
    if (metadata) {
      o.put("uses", i.getUses());
      o.put("max_uses", i.getMaxUses());
      o.put("max_age", i.getMaxAge());
      o.put("temporary", false);
      o.put("created_at", Instant.ofEpochMilli(i.getCreatedAtMs()).toString());
    }
    return o;
  }

  private static int intField(ObjectNode body, String field, int dflt, int max) {
    tools.jackson.databind.JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isIntegralNumber() || n.asLong() < 0 || n.asLong() > max) {
      throw RestException.invalidField(field, "Must be between 0 and " + max + ".");
    }
    return n.asInt();
  }
}
