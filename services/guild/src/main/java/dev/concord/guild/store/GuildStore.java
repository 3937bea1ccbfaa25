package dev.concord.guild.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a guild pod persists and reads back. Every write of a guild goes through {@link #commit}:
 * one transaction for a batch of guilds' writes (group commit), durable when it returns, and
 * fenced by the guild's epoch so that only the guild's current owner can write it.
 */
public interface GuildStore {
  record UserRow(long id, String username, String globalName, boolean bot) {}

  /** One row written by a guild's owner. The types are applied in declaration order (foreign keys). */
  sealed interface Write
      permits NewGuild,
          ChannelRow,
          RoleRow,
          MemberRow,
          MemberRoleRow,
          OverwriteRow,
          MessageRow,
          MessageEdit,
          MessageDelete,
          ReactionWrite,
          GuildUpdate,
          ChannelUpdate,
          RoleUpdate,
          MemberUpdate,
          Removal {}

  /** A guild created by this pod, owned from the start at {@code epoch}. */
  record NewGuild(long id, String name, long ownerId, long epoch) implements Write {}

  record ChannelRow(long id, long guildId, String name, String topic, int type, int position) implements Write {}

  record RoleRow(long id, long guildId, String name, long permissions, int position) implements Write {}

  /** A member; {@code roleIds} are read back by {@link #loadGuild} (written as {@link MemberRoleRow}s). */
  record MemberRow(long guildId, long userId, Instant joinedAt, List<Long> roleIds, @Nullable String nick) implements Write {
    public MemberRow(long guildId, long userId, Instant joinedAt, List<Long> roleIds) {
      this(guildId, userId, joinedAt, roleIds, null);
    }
  }

  record MemberRoleRow(long guildId, long userId, long roleId) implements Write {}

  /** Sets (replaces) one overwrite of a channel. */
  record OverwriteRow(long channelId, long targetId, int targetType, long allow, long deny) implements Write {}

  /**
   * A message; {@code referencedId} is the message it replies to (0: none), {@code editedAt} null
   * if never edited, {@code embedsJson} its embeds ("": none), {@code mentionIds} the users its
   * {@code mentions} name, comma-separated (null: parse them from the content, as rows written
   * before allowed_mentions existed).
   */
  record MessageRow(
      long id,
      long channelId,
      long guildId,
      long authorId,
      String content,
      String nonce,
      Instant createdAt,
      long referencedId,
      @Nullable Instant editedAt,
      String embedsJson,
      @Nullable String mentionIds)
      implements Write {
    public MessageRow(long id, long channelId, long guildId, long authorId, String content, String nonce, Instant createdAt) {
      this(id, channelId, guildId, authorId, content, nonce, createdAt, 0, null, "", null);
    }
  }

  /** A message's new content, embeds and mentions (the whole of each, as {@link MessageRow} has them). */
  record MessageEdit(long id, String content, String embedsJson, @Nullable String mentionIds, Instant editedAt) implements Write {}

  /** Deletes a message and its reactions, leaving a tombstone dated {@code at} (for catch-up). */
  record MessageDelete(long id, Instant at) implements Write {}

  /** A deleted message's tombstone. */
  record Deletion(long messageId, long channelId) {}

  /** A reaction added ({@code add}) or removed, for a re-join's catch-up. */
  record ReactionChange(long messageId, long channelId, long messageAuthorId, String emoji, long userId, boolean add, Instant at) {}

  /** Adds ({@code add}) or removes one user's reaction; within a batch the last one per key wins. */
  record ReactionWrite(long messageId, String emoji, long userId, boolean add, Instant at) implements Write {}

  record GuildUpdate(long id, String name) implements Write {}

  record ChannelUpdate(long id, String name, String topic, int position) implements Write {}

  record RoleUpdate(long id, String name, long permissions, int position) implements Write {}

  /** A member's nickname ({@code nick} null: none). */
  record MemberUpdate(long guildId, long userId, @Nullable String nick) implements Write {}

  /**
   * A row (and what hangs off it) removed: applied after every insert and update of its batch, in
   * dependency order (member roles and overwrites, members, roles, channels, then the guild).
   */
  sealed interface Removal extends Write permits MemberRoleDelete, OverwriteDelete, MemberDelete, RoleDelete, ChannelDelete, GuildDelete {}

  record MemberRoleDelete(long guildId, long userId, long roleId) implements Removal {}

  record OverwriteDelete(long channelId, long targetId, int targetType) implements Removal {}

  /** A member and its roles. */
  record MemberDelete(long guildId, long userId) implements Removal {}

  /** A role, its members' grants of it and the overwrites that name it. */
  record RoleDelete(long guildId, long id) implements Removal {}

  /** A channel, its overwrites, messages and their reactions. */
  record ChannelDelete(long id) implements Removal {}

  /** A guild and everything in it. */
  record GuildDelete(long id) implements Removal {}

  /** One emoji's reactions on a message: how many, and whether the asking user is among them. */
  record ReactionCount(String emoji, int count, boolean me) {}

  /** The writes of one guild, made by its owner at {@code epoch}. */
  record Commit(long guildId, long epoch, List<Write> writes) {}

  /** Everything needed to activate a guild. */
  record GuildRow(
      long id,
      String name,
      long ownerId,
      long epoch,
      List<ChannelRow> channels,
      List<RoleRow> roles,
      List<MemberRow> members,
      List<OverwriteRow> overwrites) {}

  /** A write of a guild whose epoch moved on: another pod owns it now. Nothing was written. */
  final class FencedException extends RuntimeException {
    private final long guildId;

    public FencedException(long guildId, long epoch) {
      super("guild " + Long.toUnsignedString(guildId) + " is fenced: epoch " + epoch + " is no longer current");
      this.guildId = guildId;
    }

    public long guildId() {
      return guildId;
    }
  }

  void insertUser(UserRow user);

  Optional<UserRow> user(long userId);

  /** Replaces a user's username and global name (false if there is no such user). */
  boolean updateUser(UserRow user);

  /** The users that are members of {@code guildId} (loaded with the guild). */
  List<UserRow> membersAsUsers(long guildId);

  /** The guilds a user is a member of (members_by_user). */
  List<Long> guildIdsOf(long userId);

  /** The guilds of each of {@code userIds} in one query (users without guilds are absent). */
  java.util.Map<Long, List<Long>> guildIdsOf(java.util.Collection<Long> userIds);

  /**
   * Applies {@code batch} in ONE transaction, in order: durable when this returns. Each guild's
   * epoch is checked (and its row locked) before its writes; if any guild is fenced, nothing is
   * written and {@link FencedException} names it.
   */
  void commit(List<Commit> batch);

  /**
   * Takes ownership of a guild: bumps its epoch and returns the new one (every later write of an
   * older epoch is fenced), or -1 if there is no such guild. Waits for a write in flight by the
   * previous owner (row lock), so the state loaded afterwards includes it.
   */
  long claim(long guildId);

  /**
   * The current epoch of each of {@code guildIds} (a guild that does not exist is absent): what a
   * pod compares with the epochs it loaded its guilds at, to find those another pod claimed since.
   */
  java.util.Map<Long, Long> epochs(java.util.Collection<Long> guildIds);

  Optional<GuildRow> loadGuild(long guildId);

  /**
   * A channel's history, newest first: at most {@code limit} messages with id < {@code before}
   * (if non-zero) and id > {@code after} (if non-zero).
   */
  List<MessageRow> messages(long channelId, long before, long after, int limit);

  /**
   * A guild's messages with {@code after < id <= upTo}: the newest {@code limit} of them, returned
   * oldest first.
   */
  List<MessageRow> guildMessages(long guildId, long after, long upTo, int limit);

  /** One message of a guild, if it exists. */
  Optional<MessageRow> message(long guildId, long messageId);

  /** The reactions on each of {@code messageIds} (in order of first reaction), {@code me} for {@code userId}. */
  java.util.Map<Long, List<ReactionCount>> reactions(List<Long> messageIds, long userId);

  /** Whether {@code userId} reacted to a message with {@code emoji}. */
  boolean hasReaction(long messageId, String emoji, long userId);

  /** The users who reacted with {@code emoji}, by id, at most {@code limit} with id > {@code after}. */
  List<Long> reactors(long messageId, String emoji, long after, int limit);

  /** The guild a channel belongs to, if the channel exists. */
  Optional<Long> guildOfChannel(long channelId);

  /**
   * Messages of the guild with id ≤ {@code upToId} edited at or after {@code since}, oldest edit first,
   * at most {@code limit}.
   */
  List<MessageRow> editedSince(long guildId, long upToId, Instant since, int limit);

  /** The guild's messages deleted at or after {@code since}, oldest first, at most {@code limit}. */
  List<Deletion> deletedSince(long guildId, Instant since, int limit);

  /**
   * Reactions added (still there) and removed at or after {@code since} on the guild's messages,
   * in the order they happened, at most {@code limit}.
   */
  List<ReactionChange> reactionsSince(long guildId, Instant since, int limit);

  /** The largest message id of the guild (0 if none). */
  long maxMessageId(long guildId);
}
