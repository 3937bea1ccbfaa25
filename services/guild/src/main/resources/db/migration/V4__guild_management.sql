-- Guild management over REST: member nicknames. (Deletes of guilds, channels, roles and members
-- remove their rows; see JdbcGuildStore.)
alter table members add column nick varchar(32);
