-- Messages change after they are created: edits, replies, deletes, reactions (the REST API).
alter table messages add column edited_at timestamp;
-- the message this one replies to (type 19); not a foreign key: the referenced one may be deleted
alter table messages add column referenced_id bigint;

-- One row per (message, emoji, user). Written only by the guild's owner, like messages.
create table message_reactions (
  message_id bigint       not null,
  emoji      varchar(100) not null,
  user_id    bigint       not null,
  created_at timestamp    not null,
  primary key (message_id, emoji, user_id)
);
