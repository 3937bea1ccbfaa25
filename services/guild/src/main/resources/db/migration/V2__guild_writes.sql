-- A guild's messages in id order: catch-up of the messages a session missed while its guild
-- moved to another pod (id > the last one it saw, up to the join's snapshot).
create index messages_by_guild on messages (guild_id, id);
