-- Guild invites: a code to join a guild through one of its channels, expiring (expires_at null:
-- never) and limited in uses (max_uses 0: unlimited). A use is counted by one conditional update.
create table invites (
  code       varchar(16)  primary key,
  guild_id   bigint       not null,
  channel_id bigint       not null,
  inviter_id bigint       not null,
  max_age    integer      not null,
  max_uses   integer      not null,
  uses       integer      not null default 0,
  created_at timestamp    not null,
  expires_at timestamp
);
create index invites_by_guild on invites (guild_id);
