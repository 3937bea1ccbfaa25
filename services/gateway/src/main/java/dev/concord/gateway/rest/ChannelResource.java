package dev.concord.gateway.rest;

import dev.concord.gateway.guild.GuildClient;
import dev.concord.proto.guild.v1.ChannelRequest;
import dev.concord.proto.guild.v1.DiscordJson;
import dev.concord.proto.guild.v1.ReactionResponse;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** {@code /channels/{channel}}: the channel object and the typing indicator. */
final class ChannelResource {
  private final GuildClient guilds;

  ChannelResource(GuildClient guilds) {
    this.guilds = guilds;
  }

  /** GET /channels/{channel} */
  Mono<ServerResponse> get(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    return guilds.<DiscordJson>callForChannel(channel, (guild, stub, o) ->
                        stub.getChannels(ChannelRequest.newBuilder().setGuildId(guild).setChannelId(channel).setActorId(me).build(), o))
        .flatMap(j -> RestIo.json(j.getJson()));
  }

  /** POST /channels/{channel}/typing: TYPING_START to the channel's viewers; 204. */
  Mono<ServerResponse> typing(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    return guilds.<ReactionResponse>callForChannel(channel, (guild, stub, o) ->
                        stub.triggerTyping(ChannelRequest.newBuilder().setGuildId(guild).setChannelId(channel).setActorId(me).build(), o))
        .then(RestIo.noContent());
  }
}
