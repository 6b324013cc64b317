-- Linking accounts to artist profiles (artist documents live in MongoDB; same UUIDs).
create table artist_claims (
  id          uuid primary key,
  user_id     uuid not null references users (id) on delete cascade,
  artist_id   uuid not null,
  message     text not null default '' check (char_length(message) <= 1000),
  status      text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
  decided_by  uuid references users (id) on delete set null,
  decided_at  timestamptz,
  note        text not null default '' check (char_length(note) <= 1000),
  created_at  timestamptz not null default now()
);
-- One open claim per user and artist.
create unique index artist_claims_one_pending on artist_claims (user_id, artist_id) where status = 'pending';
create index artist_claims_pending_idx on artist_claims (created_at) where status = 'pending';

create table artist_members (
  user_id     uuid not null references users (id) on delete cascade,
  artist_id   uuid not null,
  created_at  timestamptz not null default now(),
  primary key (user_id, artist_id)
);
create index artist_members_artist_idx on artist_members (artist_id);
