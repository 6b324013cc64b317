-- Listening parties (issue #14): the session state every listener follows, its members
-- and its chat. State changes are announced with NOTIFY encore_party (delivered on
-- commit) so every app instance pushes them to its own WebSocket listeners.
create table parties (
  id             uuid primary key,
  host_id        uuid not null references users (id) on delete cascade,
  controller_id  uuid not null references users (id) on delete cascade,
  title          text not null check (char_length(title) between 1 and 120),
  source_kind    text not null check (source_kind in ('album', 'playlist')),
  source_id      uuid not null,
  song_ids       uuid[] not null check (cardinality(song_ids) between 1 and 500),
  durations_ms   bigint[] not null check (cardinality(durations_ms) = cardinality(song_ids)),
  track_index    int not null default 0 check (track_index >= 0),
  position_ms    bigint not null default 0 check (position_ms >= 0),
  playing        boolean not null default true,
  updated_at     timestamptz not null default now(),
  version        bigint not null default 1,
  slow_mode_secs int not null default 0 check (slow_mode_secs between 0 and 300),
  created_at     timestamptz not null default now(),
  ended_at       timestamptz
);
-- "Live now" on a host's profile.
create index parties_live_host_idx on parties (host_id) where ended_at is null;

create table party_members (
  party_id   uuid not null references parties (id) on delete cascade,
  user_id    uuid not null references users (id) on delete cascade,
  joined_at  timestamptz not null default now(),
  -- Refreshed by each open WebSocket; the live listener count is members seen lately.
  last_seen  timestamptz,
  muted      boolean not null default false,
  removed    boolean not null default false,
  last_message_at timestamptz,
  primary key (party_id, user_id)
);
create index party_members_seen_idx on party_members (party_id, last_seen);

create table party_messages (
  id          bigserial primary key,
  party_id    uuid not null references parties (id) on delete cascade,
  user_id     uuid not null references users (id) on delete cascade,
  kind        text not null check (kind in ('text', 'reaction')),
  body        text not null check (char_length(body) between 1 and 500),
  created_at  timestamptz not null default now(),
  deleted_by  uuid references users (id) on delete set null,
  deleted_at  timestamptz
);
create index party_messages_party_idx on party_messages (party_id, id desc);
