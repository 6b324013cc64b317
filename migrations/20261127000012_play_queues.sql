-- The play queue an app saves (Subsonic savePlayQueue) to resume on another device.
create table play_queues (
  user_id     uuid primary key references users (id) on delete cascade,
  song_ids    uuid[] not null check (cardinality(song_ids) <= 1000),
  current     uuid,
  position_ms bigint not null default 0 check (position_ms >= 0),
  changed_by  text not null default '' check (char_length(changed_by) <= 100),
  changed_at  timestamptz not null default now()
);
