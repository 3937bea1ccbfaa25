-- Durable guild state. Snowflake ids are bigint (they stay below 2^63 until 2084).
-- Written only by the guild pod that owns the guild; guilds.epoch fences a pod that lost it.

create table users (
  id          bigint       primary key,
  username    varchar(32)  not null,
  global_name varchar(32),
  bot         boolean      not null default false
);

create table guilds (
  id       bigint       primary key,
  name     varchar(100) not null,
  owner_id bigint       not null references users (id),
  -- bumped by each new owner when it activates the guild; every write checks it
  epoch    bigint       not null default 0
);

create table channels (
  id       bigint        primary key,
  guild_id bigint        not null references guilds (id),
  name     varchar(100)  not null,
  topic    varchar(1024),
  type     integer       not null,
  position integer       not null
);
create index channels_by_guild on channels (guild_id);

create table roles (
  id          bigint       primary key,
  guild_id    bigint       not null references guilds (id),
  name        varchar(100) not null,
  permissions bigint       not null,
  position    integer      not null
);
create index roles_by_guild on roles (guild_id);

-- guild -> members is the primary key; user -> guilds is members_by_user
create table members (
  guild_id  bigint    not null references guilds (id),
  user_id   bigint    not null references users (id),
  joined_at timestamp not null,
  primary key (guild_id, user_id)
);
create index members_by_user on members (user_id);

create table member_roles (
  guild_id bigint not null,
  user_id  bigint not null,
  role_id  bigint not null references roles (id),
  primary key (guild_id, user_id, role_id),
  foreign key (guild_id, user_id) references members (guild_id, user_id)
);

create table channel_overwrites (
  channel_id  bigint  not null references channels (id),
  target_id   bigint  not null,
  target_type integer not null,
  allow_bits  bigint  not null,
  deny_bits   bigint  not null,
  primary key (channel_id, target_id, target_type)
);

create table messages (
  id         bigint        primary key,
  channel_id bigint        not null references channels (id),
  guild_id   bigint        not null,
  author_id  bigint        not null,
  content    varchar(2000) not null,
  nonce      varchar(25),
  created_at timestamp     not null
);
-- a channel's history, newest first
create index messages_by_channel on messages (channel_id, id desc);
