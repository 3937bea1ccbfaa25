package dev.concord.gateway.rest;

import dev.concord.gateway.guild.GuildClient;
import dev.concord.proto.guild.v1.BulkDeleteRequest;
import dev.concord.proto.guild.v1.CreateMessageRequest;
import dev.concord.proto.guild.v1.DeleteMessagesResponse;
import dev.concord.proto.guild.v1.EditMessageRequest;
import dev.concord.proto.guild.v1.ListMessagesRequest;
import dev.concord.proto.guild.v1.ListMessagesResponse;
import dev.concord.proto.guild.v1.Message;
import dev.concord.proto.guild.v1.MessageRequest;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /channels/{channel}/messages}: history, send (with replies and nonces), get, edit,
 * delete, bulk delete. Every call goes to the channel's guild owner, where it is checked,
 * applied in the guild's order, made durable and fanned out before it is answered.
 */
final class MessageResource {

  private final GuildClient guilds;

  private final dev.concord.tracing.Tracing tracing;

  MessageResource(GuildClient guilds, dev.concord.tracing.Tracing tracing) {
    this.guilds = guilds;
    this.tracing = tracing;
  }

  /** GET /channels/{channel}/messages?limit=1..100&before|after|around */
  Mono<ServerResponse> list(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    int limit = RestIo.intParam(req, "limit", 1, 100, 50);
    long before = RestIo.snowflakeParam(req, "before");
    long after = RestIo.snowflakeParam(req, "after");
    long around = RestIo.snowflakeParam(req, "around");
    if ((before != 0 ? 1 : 0) + (after != 0 ? 1 : 0) + (around != 0 ? 1 : 0) > 1) {
      throw RestException.invalidField("around", "Only one of before, after and around may be given.");
    }
    return guilds.<ListMessagesResponse>callForChannel(channel, (guild, stub, o) ->
                        stub.listMessages(
                            ListMessagesRequest.newBuilder()
                                .setGuildId(guild)
                                .setChannelId(channel)
                                .setActorId(me)
                                .setLimit(limit)
                                .setBefore(before)
                                .setAfter(after)
                                .setAround(around)
                                .build(),
                            o))
        .flatMap(
            r -> {
              // the stored objects, spliced into one array without re-parsing them
              List<byte[]> parts = new ArrayList<>(r.getMessagesCount());
              int size = 2;
              for (Message m : r.getMessagesList()) {
                byte[] b = m.getJson().toByteArray();
                parts.add(b);
                size += b.length + 1;
              }
              byte[] out = new byte[size];
              int pos = 0;
              out[pos++] = '[';
              for (int i = 0; i < parts.size(); i++) {
                if (i > 0) {
                  out[pos++] = ',';
                }
                System.arraycopy(parts.get(i), 0, out, pos, parts.get(i).length);
                pos += parts.get(i).length;
              }
              out[pos++] = ']';
              return RestIo.json(java.util.Arrays.copyOf(out, pos));
            });
  }

  /**
   * POST /channels/{channel}/messages: {@code content} (≤ 2000) and/or {@code embeds} (see
   * {@link MessageBodies}), {@code allowed_mentions}, {@code nonce} (≤ 25, string or integer)
   * with {@code enforce_nonce}, {@code message_reference {message_id, fail_if_not_exists}}.
   * Components, stickers, polls and attachments are not supported yet: a non-empty one is
   * refused (50035) rather than silently dropped. Normally served by {@link RestDirectRoutes}
   * (this route is the fallback when those are switched off).
   */
  Mono<ServerResponse> create(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    return RestIo.body(req).flatMap(body -> create(me, channel, body)).flatMap(m -> RestIo.json(m.getJson()));
  }

  /** The send itself, from the parsed body (shared with {@link RestDirectRoutes}). */
  Mono<Message> create(long me, long channel, ObjectNode body) {
    CreateMessageRequest.Builder b = CreateMessageRequest.newBuilder().setChannelId(channel).setAuthorId(me);
    String content = MessageBodies.content(body);
    String embeds = MessageBodies.embeds(body);
    MessageBodies.requireSomething(content, embeds == null ? "" : embeds);
    if (embeds != null) {
      b.setEmbedsJson(embeds);
    }
    var allowed = MessageBodies.allowedMentions(body);
    if (allowed != null) {
      b.setAllowedMentions(allowed);
    }
    String nonce = RestIo.string(body, "nonce", "");
    if (nonce.length() > 25) {
      throw RestException.invalidField("nonce", "Must be 25 or fewer in length.");
    }
    b.setContent(content).setNonce(nonce).setEnforceNonce(RestIo.bool(body, "enforce_nonce", false));
    JsonNode ref = body.get("message_reference");
    if (ref != null && !ref.isNull()) {
      if (!(ref instanceof ObjectNode r)) {
        throw RestException.invalidField("message_reference", "Must be an object.");
      }
      if (r.path("type").asInt(0) != 0) {
        throw RestException.invalidField("message_reference.type", "Only replies (type 0) are supported.");
      }
      String refChannel = RestIo.string(r, "channel_id", "");
      if (!refChannel.isEmpty() && RestIo.snowflake("message_reference.channel_id", refChannel) != channel) {
        throw RestException.invalidField("message_reference.channel_id", "Replies must be in the same channel.");
      }
      b.setReferenceMessageId(RestIo.snowflake("message_reference.message_id", RestIo.string(r, "message_id", "")));
      b.setFailIfNotExists(RestIo.bool(r, "fail_if_not_exists", true));
    }
    if (!tracing.enabled()) {
      return guilds.<Message>callForChannel(channel, (guild, stub, o) -> stub.createMessage(b.setGuildId(guild).build(), o));
    }
    // the publish's trace starts here (head-sampled) and goes on to the guild pod as traceparent
    return Mono.defer(
        () -> {
          io.opentelemetry.api.trace.Span span =
              tracing.entry("POST /channels/{channel.id}/messages", io.opentelemetry.context.Context.root());
          io.opentelemetry.context.Context ctx = io.opentelemetry.context.Context.root().with(span);
          return guilds
              .<Message>callForChannel(
                  channel,
                  (guild, stub, o) -> dev.concord.tracing.GrpcTracing.propagate(stub, ctx).createMessage(b.setGuildId(guild).build(), o))
              .doOnError(e -> span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, String.valueOf(e.getMessage())))
              .doFinally(signal -> span.end());
        });
  }

  /** GET /channels/{channel}/messages/{message} */
  Mono<ServerResponse> get(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    long message = RestIo.snowflake(req, "message");
    return guilds.<Message>callForChannel(channel, (guild, stub, o) -> stub.getMessage(ref(guild, channel, message, me), o))
        .flatMap(m -> RestIo.json(m.getJson()));
  }

  /**
   * PATCH /channels/{channel}/messages/{message} {content?, embeds?, allowed_mentions?}: the
   * author edits (what is not given stays); MESSAGE_UPDATE.
   */
  Mono<ServerResponse> edit(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    long message = RestIo.snowflake(req, "message");
    return RestIo.body(req)
        .flatMap(
            body -> {
              EditMessageRequest.Builder b = EditMessageRequest.newBuilder().setChannelId(channel).setMessageId(message).setActorId(me);
              String content = MessageBodies.content(body);
              if (body.hasNonNull("content")) {
                b.setContent(content);
              }
              String embeds = MessageBodies.embeds(body);
              if (embeds != null) {
                b.setEmbedsJson(embeds);
              }
              if (!b.hasContent() && !b.hasEmbedsJson()) {
                throw RestException.invalidField("content", "Give content or embeds to edit.");
              }
              var allowed = MessageBodies.allowedMentions(body);
              if (allowed != null) {
                b.setAllowedMentions(allowed);
              }
              return guilds.<Message>callForChannel(channel, (guild, stub, o) -> stub.editMessage(b.setGuildId(guild).build(), o));
            })
        .flatMap(m -> RestIo.json(m.getJson()));
  }

  /** DELETE /channels/{channel}/messages/{message}: 204; MESSAGE_DELETE. */
  Mono<ServerResponse> delete(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    long message = RestIo.snowflake(req, "message");
    return guilds.<DeleteMessagesResponse>callForChannel(channel, (guild, stub, o) -> stub.deleteMessage(ref(guild, channel, message, me), o))
        .then(RestIo.noContent());
  }

  /** POST /channels/{channel}/messages/bulk-delete {messages: [2..100 ids]}: 204; MESSAGE_DELETE_BULK. */
  Mono<ServerResponse> bulkDelete(ServerRequest req) {
    long me = RestIo.user(req);
    long channel = RestIo.snowflake(req, "channel");
    return RestIo.body(req)
        .flatMap(
            body -> {
              JsonNode ids = body.get("messages");
              if (ids == null || !ids.isArray() || ids.size() < 2 || ids.size() > 100) {
                throw RestException.invalidField("messages", "Must be an array of 2 to 100 message ids.");
              }
              BulkDeleteRequest.Builder b = BulkDeleteRequest.newBuilder().setChannelId(channel).setActorId(me);
              for (JsonNode id : ids) {
                b.addMessageIds(RestIo.snowflake("messages", id.asString("")));
              }
              return guilds.<DeleteMessagesResponse>callForChannel(channel, (guild, stub, o) -> stub.bulkDeleteMessages(b.setGuildId(guild).build(), o));
            })
        .then(RestIo.noContent());
  }

  static MessageRequest ref(long guild, long channel, long message, long actor) {
    return MessageRequest.newBuilder().setGuildId(guild).setChannelId(channel).setMessageId(message).setActorId(actor).build();
  }
}
