-- Accounts of people: a login name (the username at registration, lower-cased: unique without
-- regard to case), a password hash (never the password) and a token version (tokens signed with
-- an older one are refused: logout and password changes bump it). Bots have no row.
create table accounts (
  login         varchar(32)  primary key,
  user_id       bigint       not null unique references users(id),
  password_hash varchar(255) not null,
  token_version integer      not null default 0
);
