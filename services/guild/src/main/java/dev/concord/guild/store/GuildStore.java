package dev.concord.guild.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a guild pod persists and reads back. Writes are synchronous and durable when they return
 * (the caller acknowledges only afterwards). Only the guild's owner writes it.
 */
public interface GuildStore {
  record UserRow(long id, String username, String globalName, boolean bot) {}

  record ChannelRow(long id, long guildId, String name, String topic, int type, int position) {}

  record RoleRow(long id, long guildId, String name, long permissions, int position) {}

  record MemberRow(long guildId, long userId, Instant joinedAt, List<Long> roleIds) {}

  record OverwriteRow(long channelId, long targetId, int targetType, long allow, long deny) {}

  record MessageRow(long id, long channelId, long guildId, long authorId, String content, String nonce, Instant createdAt) {}

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

  void insertUser(UserRow user);

  Optional<UserRow> user(long userId);

  /** The guilds a user is a member of (members_by_user). */
  List<Long> guildIdsOf(long userId);

  void insertGuild(long id, String name, long ownerId);

  void insertChannel(ChannelRow channel);

  void insertRole(RoleRow role);

  void insertMember(long guildId, long userId, Instant joinedAt);

  void addMemberRole(long guildId, long userId, long roleId);

  void putOverwrite(OverwriteRow overwrite);

  /** Appends messages in one transaction (one commit for the whole batch). */
  void insertMessages(List<MessageRow> messages);

  Optional<GuildRow> loadGuild(long guildId);

  /**
   * A channel's history, newest first: at most {@code limit} messages with id < {@code before}
   * (if non-zero) and id > {@code after} (if non-zero).
   */
  List<MessageRow> messages(long channelId, long before, long after, int limit);
}
