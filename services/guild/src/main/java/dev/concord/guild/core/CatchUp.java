package dev.concord.guild.core;

import dev.concord.guild.store.GuildStore;
import dev.concord.protocol.SnowflakeGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a session that re-joins a guild (after the guild moved) missed since the newest message it
 * saw: read from the store ({@link #read}, on the read pool), then rendered as the dispatches it
 * gets ({@link #render}, on the guild's loop, which knows the members): messages created, older
 * ones edited and deleted, reactions added and removed, each only in channels it can view and at
 * most {@link GuildHost#MAX_CATCH_UP} of each kind.
 */
final class CatchUp {
  /** The store rows a re-join missed. */
  record Missed(
      List<GuildStore.MessageRow> created,
      List<GuildStore.MessageRow> edited,
      List<GuildStore.Deletion> deleted,
      List<GuildStore.ReactionChange> reactions) {
    boolean isEmpty() {
      return created.isEmpty() && edited.isEmpty() && deleted.isEmpty() && reactions.isEmpty();
    }
  }

  private final Payloads payloads;
  private final Users users;

  CatchUp(Payloads payloads, Users users) {
    this.payloads = payloads;
    this.users = users;
  }

  /** Messages (if {@code messages}) and reactions (if {@code reactions}) since {@code sinceMessageId}, up to {@code upToMessageId}. */
  static Missed read(GuildStore store, long guildId, long sinceMessageId, long upToMessageId, boolean messages, boolean reactions) {
    Instant since = SnowflakeGenerator.timestamp(sinceMessageId);
    int max = GuildHost.MAX_CATCH_UP;
    return new Missed(
        messages ? store.guildMessages(guildId, sinceMessageId, upToMessageId, max) : List.of(),
        messages ? store.editedSince(guildId, sinceMessageId, since, max) : List.of(),
        messages ? store.deletedSince(guildId, since, max) : List.of(),
        reactions ? store.reactionsSince(guildId, since, max) : List.of());
  }

  /** {@code joined} with what it missed, as dispatch payloads, leaving out channels hidden from it. */
  JoinResult render(GuildState g, JoinResult joined, Missed missed) {
    long[] hidden = joined.hiddenChannelIds();
    List<byte[]> created = new ArrayList<>(missed.created().size());
    for (GuildStore.MessageRow m : missed.created()) {
      if (visible(hidden, m.channelId())) {
        created.add(payloads.bytes(message(g, m)));
      }
    }
    List<byte[]> edited = new ArrayList<>(missed.edited().size());
    for (GuildStore.MessageRow m : missed.edited()) {
      if (visible(hidden, m.channelId())) {
        edited.add(payloads.bytes(message(g, m)));
      }
    }
    List<byte[]> deleted = new ArrayList<>(missed.deleted().size());
    for (GuildStore.Deletion d : missed.deleted()) {
      if (visible(hidden, d.channelId())) {
        deleted.add(
            payloads.bytes(
                payloads.json().createObjectNode()
                    .put("id", Long.toUnsignedString(d.messageId()))
                    .put("channel_id", Long.toUnsignedString(d.channelId()))
                    .put("guild_id", Long.toUnsignedString(g.id))));
      }
    }
    List<JoinResult.CatchUpEvent> reacted = new ArrayList<>(missed.reactions().size());
    for (GuildStore.ReactionChange c : missed.reactions()) {
      if (visible(hidden, c.channelId())) {
        ObjectNode d =
            payloads.reaction(
                g.id, c.channelId(), c.messageId(), c.messageAuthorId(), c.userId(), g.members.get(c.userId()), users.get(c.userId()), c.emoji(), c.add());
        reacted.add(new JoinResult.CatchUpEvent(c.add() ? "MESSAGE_REACTION_ADD" : "MESSAGE_REACTION_REMOVE", payloads.bytes(d)));
      }
    }
    return new JoinResult(
        joined.snapshotSeq(), joined.guildCreateJson(), hidden, joined.snapshotMessageId(), created, edited, deleted, reacted);
  }

  private static boolean visible(long[] hiddenSorted, long channelId) {
    return Arrays.binarySearch(hiddenSorted, channelId) < 0;
  }

  /** A stored message as the gateway dispatches it (with its author's member, edits, reply). */
  private ObjectNode message(GuildState g, GuildStore.MessageRow m) {
    Users.User author = users.get(m.authorId());
    ObjectNode d =
        payloads.message(
            m.id(), g.id, m.channelId(), author, g.members.get(m.authorId()), m.content(), m.createdAt().toEpochMilli(), m.nonce() == null ? "" : m.nonce());
    payloads.embedsAndMentions(d, m, users);
    return payloads.decorate(d, g.id, m.channelId(), m.editedAt(), m.referencedId(), null, List.of());
  }
}
