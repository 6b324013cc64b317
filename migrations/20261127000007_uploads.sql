-- Songs uploaded by linked artists. The song document lives in MongoDB (status pending
-- until a moderator approves it); this row is the review queue and the artist's record.
create table uploads (
  id              uuid primary key,            -- the song's id in MongoDB
  artist_id       uuid not null,
  uploader_id     uuid references users (id) on delete set null,
  batch_id        uuid not null,               -- files sent together (an album upload)
  album_id        uuid not null,
  album_title     text not null check (char_length(album_title) between 1 and 200),
  album_type      text not null check (album_type in ('album', 'ep', 'single')),
  title           text not null check (char_length(title) between 1 and 200),
  original_name   text not null default '' check (char_length(original_name) <= 255),
  file            text not null,               -- <sha256>.<ext> under <data dir>/audio
  codec           text not null,
  size_bytes      bigint not null check (size_bytes > 0),
  duration_ms     bigint not null check (duration_ms > 0),
  status          text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
  reason          text not null default '' check (char_length(reason) <= 1000),
  decided_by      uuid references users (id) on delete set null,
  decided_at      timestamptz,
  created_at      timestamptz not null default now()
);
create index uploads_pending_idx on uploads (created_at) where status = 'pending';
create index uploads_artist_idx on uploads (artist_id, created_at desc);
