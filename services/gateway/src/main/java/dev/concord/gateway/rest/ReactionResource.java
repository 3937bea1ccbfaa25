package dev.concord.gateway.rest;

import dev.concord.gateway.guild.GuildClient;
import dev.concord.proto.guild.v1.DiscordJson;
import dev.concord.proto.guild.v1.ReactionRequest;
import dev.concord.proto.guild.v1.ReactionResponse;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code /channels/{channel}/messages/{message}/reactions/{emoji}}: add or remove the caller's
 * reaction, remove another user's, list who reacted. The emoji is a URL-encoded unicode emoji
 * (decoded by the router) or {@code name:id}.
 */
final class ReactionResource {
  private final GuildClient guilds;

  ReactionResource(GuildClient guilds) {
    this.guilds = guilds;
  }

  /** PUT .../reactions/{emoji}/@me: 204. */
  Mono<ServerResponse> add(ServerRequest req) {
    return change(req, true, 0);
  }

  /** DELETE .../reactions/{emoji}/@me: 204. */
  Mono<ServerResponse> removeOwn(ServerRequest req) {
    return change(req, false, 0);
  }

  /** DELETE .../reactions/{emoji}/{user}: 204 (MANAGE_MESSAGES unless it is the caller's). */
  Mono<ServerResponse> removeUser(ServerRequest req) {
    return change(req, false, RestIo.snowflake(req, "user"));
  }

  /** GET .../reactions/{emoji}?limit=1..100&after: user objects. */
  Mono<ServerResponse> list(ServerRequest req) {
    ReactionRequest.Builder b = request(req);
    b.setLimit(RestIo.intParam(req, "limit", 1, 100, 25)).setAfter(RestIo.snowflakeParam(req, "after"));
    return guilds.<DiscordJson>callForChannel(b.getChannelId(), (guild, stub, o) -> stub.listReactions(b.setGuildId(guild).build(), o))
        .flatMap(j -> RestIo.json(j.getJson()));
  }

  private Mono<ServerResponse> change(ServerRequest req, boolean add, long user) {
    ReactionRequest.Builder b = request(req).setUserId(user);
    return guilds.<ReactionResponse>callForChannel(b.getChannelId(), (guild, stub, o) -> {
                      if (add) {
                        stub.addReaction(b.setGuildId(guild).build(), o);
                      } else {
                        stub.removeReaction(b.setGuildId(guild).build(), o);
                      }
                    })
        .then(RestIo.noContent());
  }

  private static ReactionRequest.Builder request(ServerRequest req) {
    long me = RestIo.user(req);
    String emoji = req.pathVariable("emoji");
    if (emoji.isEmpty() || emoji.length() > 100) {
      throw RestException.invalidField("emoji", "Unknown Emoji");
    }
    return ReactionRequest.newBuilder()
        .setChannelId(RestIo.snowflake(req, "channel"))
        .setMessageId(RestIo.snowflake(req, "message"))
        .setActorId(me)
        .setEmoji(emoji);
  }
}
