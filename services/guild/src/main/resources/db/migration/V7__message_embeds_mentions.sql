-- Rich embeds (a JSON array, null: none) and the mentions that count under allowed_mentions
-- (comma-separated user ids; null for rows written before: their mentions are parsed from content).
alter table messages add column embeds text;
alter table messages add column mention_ids varchar(2200);
