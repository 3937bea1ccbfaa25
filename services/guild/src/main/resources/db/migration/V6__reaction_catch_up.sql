-- A session that re-joins a guild after a failover also catches up on reactions: adds from
-- message_reactions (by the time they were added), removals from these tombstones.
create table message_reaction_removals (
  message_id bigint       not null,
  guild_id   bigint       not null,
  channel_id bigint       not null,
  emoji      varchar(100) not null,
  user_id    bigint       not null,
  removed_at timestamp    not null
);
create index message_reaction_removals_by_guild on message_reaction_removals (guild_id, removed_at);
create index message_reaction_removals_by_message on message_reaction_removals (message_id);
create index message_reactions_by_time on message_reactions (created_at);
