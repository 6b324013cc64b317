-- What each user played last (not in a private session): one row per user, overwritten by
-- every play report, so the feed can show friends' listening with one indexed join on the
-- follows (the full history stays in MongoDB's raw events).
create table listening_now (
  user_id     uuid primary key references users (id) on delete cascade,
  song_id     uuid not null,
  started_at  timestamptz not null
);
create index listening_now_started_idx on listening_now (started_at desc);
