-- A session that re-joins a guild after it moved to another pod catches up on what changed while
-- it was away: messages created (messages_by_guild), edited, and deleted (tombstones here).
create table message_deletions (
  message_id bigint    primary key,
  guild_id   bigint    not null,
  channel_id bigint    not null,
  deleted_at timestamp not null
);
create index message_deletions_by_guild on message_deletions (guild_id, deleted_at);
create index messages_edited_by_guild on messages (guild_id, edited_at);
