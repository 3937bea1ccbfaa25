package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import dev.concord.protocol.Intents;
import dev.concord.protocol.SnowflakeGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * Operations on a guild's messages. Each factory checks its input on the caller's thread, then
 * returns the loop step. Operations on an existing message take the row the caller read from the
 * store ({@link Stored}; null if there was none); the step re-checks what this loop changed since
 * (a delete or a reaction not yet visible to that read).
 *
 * <p>Events: MESSAGE_CREATE / UPDATE / DELETE / DELETE_BULK (GUILD_MESSAGES), MESSAGE_REACTION_ADD
 * / REMOVE (GUILD_MESSAGE_REACTIONS), TYPING_START (GUILD_MESSAGE_TYPING), each skipped by
 * sessions that cannot view the channel.
 */
public final class MessageOps {
  public static final int MAX_CONTENT_LENGTH = 2000;
  /** Bulk delete takes messages younger than this (Discord: two weeks). */
  public static final long BULK_DELETE_MAX_AGE_MS = 14L * 24 * 3600 * 1000;

  /** A created (or, with enforce_nonce, found again) message and its Discord object. */
  public record CreatedMessage(long id, long timestampMs, byte[] json) {}

  /** A message row as read from the store, with its author. */
  public record Stored(GuildStore.MessageRow row, Users.User author) {}

  private final OpContext ctx;

  public MessageOps(OpContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Creates a message; a reply when {@code referenceId != 0}: {@code referenced} is the replied-to
   * message as read (null: it does not exist, which fails the call if {@code failIfNotExists}, or
   * sends a plain message).
   */
  public GuildOp<CreatedMessage> create(
      long channelId,
      long authorId,
      String content,
      String nonce,
      boolean enforceNonce,
      long referenceId,
      @Nullable Stored referenced,
      boolean failIfNotExists) {
    return create(channelId, authorId, MessageContent.Draft.text(content), nonce, enforceNonce, referenceId, referenced, failIfNotExists);
  }

  /** {@link #create} with embeds and allowed mentions. */
  public GuildOp<CreatedMessage> create(
      long channelId,
      long authorId,
      MessageContent.Draft draft,
      String nonce,
      boolean enforceNonce,
      long referenceId,
      @Nullable Stored referenced,
      boolean failIfNotExists) {
    String content = draft.content();
    MessageContent.checkBody(content, draft.embedsJson());
    String embedsJson = MessageContent.storedEmbeds(draft.embedsJson());
    Checks.text("nonce", nonce);
    if (nonce.length() > 25) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, GuildException.INVALID_FORM_BODY, "nonce too long: " + nonce.length() + " chars (expected: <= 25)");
    }
    Users.User author = ctx.users().get(authorId);
    return (g, step) -> {
      GuildState.Channel channel = Checks.channel(g, channelId);
      GuildState.Member member = g.members.get(authorId);
      if (member == null) {
        throw Checks.notAMember(GuildException.Kind.PERMISSION_DENIED, authorId, g.id);
      }
      long perms = Checks.viewerPermissions(g, authorId, channel);
      Checks.require(perms, Permissions.SEND_MESSAGES, "SEND_MESSAGES in channel " + Long.toUnsignedString(channelId));
      String nonceKey = Long.toUnsignedString(authorId) + "/" + nonce;
      if (enforceNonce && !nonce.isEmpty()) {
        CreatedMessage earlier = g.recentNonces.get(nonceKey);
        if (earlier != null) {
          return earlier;
        }
      }
      Stored ref = referenced;
      if (ref != null && g.recentlyDeleted.contains(ref.row().id())) {
        ref = null;
      }
      if (referenceId != 0 && ref == null && failIfNotExists) {
        throw new GuildException(
            GuildException.Kind.INVALID_ARGUMENT,
            GuildException.INVALID_FORM_BODY,
            "message_reference: unknown message " + Long.toUnsignedString(referenceId));
      }
      long id = ctx.ids().next();
      long ts = SnowflakeGenerator.timestamp(id).toEpochMilli();
      ObjectNode d = ctx.payloads().message(id, g.id, channelId, author, member, content, ts, nonce);
      long refId = ref == null ? 0 : ref.row().id();
      ctx.payloads().decorate(d, g.id, channelId, null, refId, ref == null ? null : render(g, ref, List.of()), List.of());
      d.set("embeds", MessageContent.embeds(embedsJson));
      List<Long> mentioned = mentions(g, d, MessageContent.mentions(content, draft.allowed(), ref == null ? 0 : ref.row().authorId()));
      byte[] payload = ctx.payloads().bytes(d);
      step.write(
          new GuildStore.MessageRow(
              id, channelId, g.id, authorId, content, nonce, Instant.ofEpochMilli(ts), refId, null, embedsJson, MessageContent.storedMentions(mentioned)));
      // Recipients that cannot view the channel skip it on their session worker; those without
      // MESSAGE_CONTENT get the gate's copy unless they wrote it or are mentioned.
      step.emitMessage("MESSAGE_CREATE", payload, gate(d, authorId, mentioned), channelId, id);
      CreatedMessage created = new CreatedMessage(id, ts, payload);
      if (!nonce.isEmpty()) {
        g.recentNonces.put(nonceKey, created);
      }
      return created;
    };
  }

  /** Replaces a message's content (its author only); MESSAGE_UPDATE with the whole message. */
  public GuildOp<byte[]> edit(long channelId, long actorId, @Nullable Stored message, String content) {
    return edit(channelId, actorId, message, content, null, null);
  }

  /**
   * Replaces what is given of a message ({@code content}, {@code embedsJson}; null keeps it),
   * its author only; the mentions are those of the resulting content under {@code allowed}
   * (null: all), and a reply keeps its author's mention if it had it. MESSAGE_UPDATE.
   */
  public GuildOp<byte[]> edit(
      long channelId, long actorId, @Nullable Stored message, @Nullable String newContent, @Nullable String newEmbeds, MessageContent.@Nullable Allowed allowed) {
    if (newContent != null) {
      Checks.text("content", newContent);
    }
    if (newEmbeds != null) {
      MessageContent.embeds(newEmbeds);
    }
    return (g, step) -> {
      GuildState.Channel channel = Checks.channel(g, channelId);
      Checks.viewerPermissions(g, actorId, channel);
      GuildStore.MessageRow m = existing(g, channelId, message);
      if (actorId != 0 && m.authorId() != actorId) {
        throw new GuildException(
            GuildException.Kind.PERMISSION_DENIED, GuildException.CANNOT_EDIT_OTHERS_MESSAGE, "cannot edit a message authored by another user");
      }
      String content = newContent != null ? newContent : m.content();
      String embedsJson = newEmbeds != null ? MessageContent.storedEmbeds(newEmbeds) : m.embedsJson();
      MessageContent.checkBody(content, embedsJson);
      // a reply's author stays mentioned if it was (and allowed_mentions does not drop it)
      List<Long> wanted = MessageContent.mentions(content, allowed, MessageContent.repliedMention(m));
      Instant now = Instant.ofEpochMilli(ctx.clock().millis());
      String storedMentions = MessageContent.storedMentions(wanted);
      GuildStore.MessageRow edited =
          new GuildStore.MessageRow(
              m.id(), m.channelId(), m.guildId(), m.authorId(), content, m.nonce(), m.createdAt(), m.referencedId(), now, embedsJson, storedMentions);
      step.write(new GuildStore.MessageEdit(m.id(), content, embedsJson, storedMentions, now));
      ObjectNode d = render(g, new Stored(edited, message.author()), List.of());
      GuildState.Member member = g.members.get(m.authorId());
      if (member != null) {
        d.set("member", ctx.payloads().member(member, message.author(), false));
      }
      List<Long> mentioned = mentions(g, d, wanted);
      byte[] payload = ctx.payloads().bytes(d);
      step.emitMessage("MESSAGE_UPDATE", payload, gate(d, m.authorId(), mentioned), channelId, 0);
      return payload;
    };
  }

  /** Deletes a message (its author, or MANAGE_MESSAGES); MESSAGE_DELETE. */
  public GuildOp<Integer> delete(long channelId, long actorId, @Nullable Stored message) {
    return (g, step) -> {
      GuildState.Channel channel = Checks.channel(g, channelId);
      long perms = Checks.viewerPermissions(g, actorId, channel);
      GuildStore.MessageRow m = existing(g, channelId, message);
      if (m.authorId() != actorId) {
        Checks.require(perms, Permissions.MANAGE_MESSAGES, "MANAGE_MESSAGES (to delete another user's message)");
      }
      step.write(new GuildStore.MessageDelete(m.id(), Instant.ofEpochMilli(ctx.clock().millis())));
      g.recentlyDeleted.add(m.id());
      ObjectNode d = ctx.payloads().json().createObjectNode();
      d.put("id", Long.toUnsignedString(m.id()));
      d.put("channel_id", Long.toUnsignedString(channelId));
      d.put("guild_id", Long.toUnsignedString(g.id));
      step.emit("MESSAGE_DELETE", ctx.payloads().bytes(d), Intents.GUILD_MESSAGES, channelId);
      return 1;
    };
  }

  /** Bulk delete's input rules: 2..100 ids, each younger than two weeks. */
  public void checkBulkDelete(List<Long> ids) {
    if (ids.size() < 2 || ids.size() > 100) {
      throw new GuildException(
          GuildException.Kind.INVALID_ARGUMENT, GuildException.INVALID_FORM_BODY, "messages: " + ids.size() + " ids (expected: 2..100)");
    }
    long oldest = ctx.clock().millis() - BULK_DELETE_MAX_AGE_MS;
    for (long id : ids) {
      if (SnowflakeGenerator.timestamp(id).toEpochMilli() < oldest) {
        throw new GuildException(
            GuildException.Kind.INVALID_ARGUMENT,
            GuildException.BULK_DELETE_TOO_OLD,
            "message " + Long.toUnsignedString(id) + " is older than 2 weeks (expected: younger, for a bulk delete)");
      }
    }
  }

  /**
   * Deletes 2..100 messages of one channel (MANAGE_MESSAGES, each younger than two weeks);
   * MESSAGE_DELETE_BULK with the ids that existed. {@code found} are the rows read.
   */
  public GuildOp<Integer> bulkDelete(long channelId, long actorId, List<Long> ids, List<GuildStore.MessageRow> found) {
    checkBulkDelete(ids);
    return (g, step) -> {
      GuildState.Channel channel = Checks.channel(g, channelId);
      long perms = Checks.viewerPermissions(g, actorId, channel);
      Checks.require(perms, Permissions.MANAGE_MESSAGES, "MANAGE_MESSAGES");
      List<String> deleted = new ArrayList<>();
      for (GuildStore.MessageRow m : found) {
        if (m.channelId() == channelId && g.recentlyDeleted.add(m.id())) {
          step.write(new GuildStore.MessageDelete(m.id(), Instant.ofEpochMilli(ctx.clock().millis())));
          deleted.add(Long.toUnsignedString(m.id()));
        }
      }
      if (!deleted.isEmpty()) {
        ObjectNode d = ctx.payloads().json().createObjectNode();
        d.putPOJO("ids", deleted);
        d.put("channel_id", Long.toUnsignedString(channelId));
        d.put("guild_id", Long.toUnsignedString(g.id));
        step.emit("MESSAGE_DELETE_BULK", ctx.payloads().bytes(d), Intents.GUILD_MESSAGES, channelId);
      }
      return deleted.size();
    };
  }

  /**
   * Adds ({@code add}) or removes {@code userId}'s reaction. Adding needs ADD_REACTIONS (and
   * READ_MESSAGE_HISTORY); removing another user's needs MANAGE_MESSAGES. {@code existedInStore}
   * is what the store said before this step; false if nothing changed.
   */
  public GuildOp<Boolean> react(
      long channelId, long actorId, @Nullable Stored message, String emoji, long userId, boolean add, boolean existedInStore) {
    checkEmoji(emoji);
    Users.User user = ctx.users().get(userId);
    return (g, step) -> {
      GuildState.Channel channel = Checks.channel(g, channelId);
      long perms = Checks.viewerPermissions(g, actorId, channel);
      GuildStore.MessageRow m = existing(g, channelId, message);
      if (add) {
        Checks.require(perms, Permissions.ADD_REACTIONS | Permissions.READ_MESSAGE_HISTORY, "ADD_REACTIONS");
      } else if (userId != actorId) {
        Checks.require(perms, Permissions.MANAGE_MESSAGES, "MANAGE_MESSAGES (to remove another user's reaction)");
      }
      String key = m.id() + "/" + userId + "/" + emoji;
      Boolean known = g.recentReactions.get(key);
      boolean exists = known != null ? known : existedInStore;
      if (exists == add) {
        return false;
      }
      g.recentReactions.put(key, add);
      step.write(new GuildStore.ReactionWrite(m.id(), emoji, userId, add, Instant.ofEpochMilli(ctx.clock().millis())));
      ObjectNode d = ctx.payloads().reaction(g.id, channelId, m.id(), m.authorId(), userId, g.members.get(userId), user, emoji, add);
      step.emit(add ? "MESSAGE_REACTION_ADD" : "MESSAGE_REACTION_REMOVE", ctx.payloads().bytes(d), Intents.GUILD_MESSAGE_REACTIONS, channelId);
      return true;
    };
  }

  /** TYPING_START from {@code actorId} (SEND_MESSAGES); not stored. */
  public GuildOp<Boolean> typing(long channelId, long actorId) {
    Users.User user = ctx.users().get(actorId);
    return (g, step) -> {
      GuildState.Channel channel = Checks.channel(g, channelId);
      long perms = Checks.viewerPermissions(g, actorId, channel);
      Checks.require(perms, Permissions.SEND_MESSAGES, "SEND_MESSAGES");
      ObjectNode d = ctx.payloads().json().createObjectNode();
      d.put("channel_id", Long.toUnsignedString(channelId));
      d.put("guild_id", Long.toUnsignedString(g.id));
      d.put("user_id", Long.toUnsignedString(actorId));
      d.put("timestamp", ctx.clock().millis() / 1000);
      GuildState.Member member = g.members.get(actorId);
      if (member != null) {
        d.set("member", ctx.payloads().member(member, user, true));
      }
      step.emit("TYPING_START", ctx.payloads().bytes(d), Intents.GUILD_MESSAGE_TYPING, channelId);
      return true;
    };
  }

  /**
   * Checks that the actor may read {@code channelId}'s history (VIEW_CHANNEL and
   * READ_MESSAGE_HISTORY); an ordering barrier, so a read after it sees every acknowledged write.
   */
  public GuildOp<Long> readable(long channelId, long actorId) {
    return (g, step) -> {
      GuildState.Channel channel = Checks.channel(g, channelId);
      long perms = Checks.viewerPermissions(g, actorId, channel);
      Checks.require(perms, Permissions.READ_MESSAGE_HISTORY, "READ_MESSAGE_HISTORY");
      step.barrier();
      return channelId;
    };
  }

  /** The Discord message object of a stored message (no {@code member}, as REST returns it). */
  public ObjectNode render(Stored s, @Nullable Stored referenced, List<GuildStore.ReactionCount> reactions) {
    GuildStore.MessageRow m = s.row();
    ObjectNode d =
        ctx.payloads().message(m.id(), m.guildId(), m.channelId(), s.author(), null, m.content(), m.createdAt().toEpochMilli(), m.nonce() == null ? "" : m.nonce());
    ObjectNode ref = referenced == null ? null : render(referenced, null, List.of());
    ctx.payloads().embedsAndMentions(d, m, ctx.users());
    return ctx.payloads().decorate(d, m.guildId(), m.channelId(), m.editedAt(), m.referencedId(), ref, reactions);
  }

  private ObjectNode render(GuildState g, Stored s, List<GuildStore.ReactionCount> reactions) {
    return render(s, null, reactions);
  }

  /** Fills {@code d.mentions} with those of {@code ids} who are members (user objects with their member); returns their ids. */
  private List<Long> mentions(GuildState g, ObjectNode d, List<Long> ids) {
    List<Long> out = new ArrayList<>();
    tools.jackson.databind.node.ArrayNode arr = (tools.jackson.databind.node.ArrayNode) d.get("mentions");
    arr.removeAll();
    for (long id : ids) {
      GuildState.Member m = g.members.get(id);
      if (m == null) {
        continue;
      }
      Users.User u = ctx.users().get(id);
      ObjectNode user = ctx.payloads().user(u);
      user.set("member", ctx.payloads().member(m, u, false));
      arr.add(user);
      out.add(id);
    }
    return out;
  }

  /** What a recipient without MESSAGE_CONTENT gets: the same message with content, embeds and attachments empty. */
  private dev.concord.proto.guild.v1.ContentGate gate(ObjectNode d, long authorId, List<Long> mentioned) {
    ObjectNode stripped = d.deepCopy();
    stripped.put("content", "");
    stripped.putArray("embeds");
    stripped.putArray("attachments");
    return dev.concord.proto.guild.v1.ContentGate.newBuilder()
        .setPayloadWithoutContent(com.google.protobuf.ByteString.copyFrom(ctx.payloads().bytes(stripped)))
        .setAuthorId(authorId)
        .addAllMentionedUserIds(mentioned)
        .build();
  }

  private static GuildStore.MessageRow existing(GuildState g, long channelId, @Nullable Stored s) {
    if (s == null || s.row().channelId() != channelId || g.recentlyDeleted.contains(s.row().id())) {
      throw new GuildException(GuildException.Kind.NOT_FOUND, GuildException.UNKNOWN_MESSAGE, "unknown message");
    }
    return s.row();
  }

  private static void checkEmoji(String emoji) {
    Checks.text("emoji", emoji);
    if (emoji.isEmpty() || emoji.length() > 100 || emoji.indexOf(':') >= 0 && !emoji.matches("[A-Za-z0-9_]{2,32}:[0-9]{1,20}")) {
      throw new GuildException(GuildException.Kind.NOT_FOUND, GuildException.UNKNOWN_EMOJI, "unknown emoji: " + emoji);
    }
    if (emoji.indexOf(':') >= 0) {
      // custom emojis are not stored by Concord yet: none exists
      throw new GuildException(GuildException.Kind.NOT_FOUND, GuildException.UNKNOWN_EMOJI, "unknown emoji: " + emoji);
    }
  }
}
