package dev.concord.gateway.rest;

import dev.concord.gateway.guild.GuildClient;
import dev.concord.proto.guild.v1.ChangeResponse;
import dev.concord.proto.guild.v1.DiscordJson;
import dev.concord.proto.guild.v1.RefreshMemberRequest;
import dev.concord.proto.guild.v1.UpdateUserRequest;
import dev.concord.proto.guild.v1.GetGuildRequest;
import dev.concord.proto.guild.v1.GetUserRequest;
import dev.concord.proto.guild.v1.User;
import java.time.Duration;
import java.util.List;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code /users}: the caller ({@code @me}), any user, and the caller's guilds. */
final class UserResource {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(UserResource.class);

  private final GuildClient guilds;

  UserResource(GuildClient guilds) {
    this.guilds = guilds;
  }

  /** GET /users/@me: the caller, with the fields only the owner of a token sees. */
  Mono<ServerResponse> me(ServerRequest req) {
    long me = RestIo.user(req);
    return user(me).flatMap(u -> RestIo.json(privateUser(u)));
  }

  /**
   * PATCH /users/@me {username (2..32), global_name (≤ 32, null or "" clears it)}: stored, then
   * each of the caller's guilds dispatches GUILD_MEMBER_UPDATE (one guild also USER_UPDATE to the
   * caller's sessions). Answers the updated user.
   */
  Mono<ServerResponse> updateMe(ServerRequest req) {
    long me = RestIo.user(req);
    return RestIo.body(req)
        .flatMap(
            body -> {
              UpdateUserRequest.Builder b = UpdateUserRequest.newBuilder().setUserId(me);
              if (body.hasNonNull("username")) {
                String name = RestIo.string(body, "username", "");
                if (name.codePointCount(0, name.length()) < 2 || name.codePointCount(0, name.length()) > 32) {
                  throw RestException.invalidField("username", "Must be between 2 and 32 in length.");
                }
                b.setUsername(name);
              }
              if (body.has("global_name")) {
                String g = RestIo.string(body, "global_name", "");
                if (g.codePointCount(0, g.length()) > 32) {
                  throw RestException.invalidField("global_name", "Must be 32 or fewer in length.");
                }
                b.setGlobalName(g);
              }
              return guilds.<User>call(me, (stub, o) -> stub.updateUser(b.build(), o));
            })
        .flatMap(
            u ->
                Flux.fromIterable(u.getGuildIdsList())
                    .index()
                    .concatMap(
                        t ->
                            guilds
                                .<ChangeResponse>call(
                                    t.getT2(),
                                    (stub, o) ->
                                        stub.refreshMember(
                                            RefreshMemberRequest.newBuilder().setGuildId(t.getT2()).setUserId(me).setNotifyUser(t.getT1() == 0).build(),
                                            o))
                                // the change is stored; a guild that cannot be told now shows it once it reloads the user
                                .onErrorResume(e -> Mono.empty()))
                    .then(Mono.just(u)))
        .flatMap(u -> RestIo.json(privateUser(u)));
  }

  private static ObjectNode privateUser(User u) {
    ObjectNode n = publicUser(u);
    n.put("mfa_enabled", false);
    n.put("locale", "en-US");
    n.put("verified", true);
    n.putNull("email");
    n.put("flags", 0);
    n.put("premium_type", 0);
    return n;
  }

  /** GET /users/{user} */
  Mono<ServerResponse> get(ServerRequest req) {
    RestIo.user(req);
    long id = RestIo.snowflake(req, "user");
    return user(id).flatMap(u -> RestIo.json(publicUser(u)));
  }

  /**
   * GET /users/@me/guilds: partial guilds (id, name, icon, owner, permissions, features), in id
   * order, at most {@code limit} (1..200) after {@code after} / before {@code before}.
   */
  Mono<ServerResponse> myGuilds(ServerRequest req) {
    long me = RestIo.user(req);
    int limit = RestIo.intParam(req, "limit", 1, 200, 200);
    long after = RestIo.snowflakeParam(req, "after");
    long before = RestIo.snowflakeParam(req, "before");
    boolean withCounts = RestIo.boolParam(req, "with_counts");
    return user(me)
        .flatMapMany(
            u -> {
              List<Long> ids =
                  u.getGuildIdsList().stream()
                      .filter(g -> after == 0 || Long.compareUnsigned(g, after) > 0)
                      .filter(g -> before == 0 || Long.compareUnsigned(g, before) < 0)
                      .sorted(Long::compareUnsigned)
                      .limit(limit)
                      .toList();
              return Flux.fromIterable(ids)
                  .concatMap(
                      g ->
                          guilds
                              .<DiscordJson>call(
                                  g,
                                  (stub, o) ->
                                      stub.getGuild(
                                          GetGuildRequest.newBuilder().setGuildId(g).setActorId(me).setWithCounts(withCounts).build(), o))
                              // a failure that may pass (not an unknown guild, not a refusal) is tried
                              // twice more; a guild that still cannot be read is left out, not the
                              // whole list, and logged
                              .retryWhen(reactor.util.retry.Retry.backoff(2, Duration.ofMillis(50)).filter(UserResource::mayPass))
                              .onErrorResume(
                                  e -> {
                                    log.warn("GET /users/@me/guilds of {}: guild {} left out: {}", Long.toUnsignedString(me), Long.toUnsignedString(g), String.valueOf(e));
                                    return Mono.empty();
                                  }));
            })
        .map(j -> partialGuild(RestIo.JSON.readTree(j.getJson().toByteArray()), me))
        .collectList()
        .flatMap(
            list -> {
              ArrayNode out = RestIo.JSON.createArrayNode();
              list.forEach(out::add);
              return RestIo.json(out);
            });
  }

  private static ObjectNode partialGuild(JsonNode g, long me) {
    ObjectNode n = RestIo.JSON.createObjectNode();
    n.set("id", g.get("id"));
    n.set("name", g.get("name"));
    n.set("icon", g.get("icon"));
    n.set("banner", g.get("banner"));
    n.put("owner", g.path("owner_id").asString("").equals(Long.toUnsignedString(me)));
    n.put("permissions", g.path("permissions").asString("0"));
    n.set("features", g.get("features"));
    if (g.has("approximate_member_count")) {
      n.set("approximate_member_count", g.get("approximate_member_count"));
      n.set("approximate_presence_count", g.get("approximate_presence_count"));
    }
    return n;
  }

  /** A guild call failure that a retry may not meet again (the guild pod busy, moving or slow). */
  static boolean mayPass(Throwable t) {
    if (!(t instanceof io.grpc.StatusRuntimeException s)) {
      return false;
    }
    return switch (s.getStatus().getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED -> true;
      default -> false;
    };
  }

  private Mono<User> user(long id) {
    return guilds.<User>call(id, (stub, o) -> stub.getUser(GetUserRequest.newBuilder().setUserId(id).build(), o));
  }

  static ObjectNode publicUser(User u) {
    ObjectNode n = RestIo.JSON.createObjectNode();
    n.put("id", Long.toUnsignedString(u.getId()));
    n.put("username", u.getUsername());
    n.put("discriminator", "0");
    if (u.getGlobalName().isEmpty()) {
      n.putNull("global_name");
    } else {
      n.put("global_name", u.getGlobalName());
    }
    n.putNull("avatar");
    n.put("bot", u.getBot());
    n.put("system", false);
    n.putNull("banner");
    n.putNull("accent_color");
    n.put("public_flags", 0);
    n.putNull("avatar_decoration_data");
    return n;
  }
}
