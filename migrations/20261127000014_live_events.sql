-- Scheduled live events (issue #14): an artist's linked account schedules one with the
-- album it will play; fans RSVP; going live starts a listening party and notifies the
-- artist's followers and everyone who RSVPed.
create table live_events (
  id           uuid primary key,
  artist_id    uuid not null,              -- catalog artist (MongoDB)
  artist_name  text not null,
  album_id     uuid not null,              -- what the party will play (and the cover)
  cover        text,
  created_by   uuid not null references users (id) on delete cascade,
  title        text not null check (char_length(title) between 1 and 120),
  description  text not null default '' check (char_length(description) <= 2000),
  starts_at    timestamptz not null,
  party_id     uuid references parties (id) on delete set null,
  created_at   timestamptz not null default now()
);
create index live_events_starts_idx on live_events (starts_at);
create index live_events_artist_idx on live_events (artist_id, starts_at desc);

create table event_rsvps (
  event_id    uuid not null references live_events (id) on delete cascade,
  user_id     uuid not null references users (id) on delete cascade,
  created_at  timestamptz not null default now(),
  primary key (event_id, user_id)
);

-- Everyone who was ever "here" in a party (how many listened, after it ended).
create table party_listeners (
  party_id  uuid not null references parties (id) on delete cascade,
  user_id   uuid not null references users (id) on delete cascade,
  primary key (party_id, user_id)
);

-- In-app notifications.
create table notifications (
  id          bigserial primary key,
  user_id     uuid not null references users (id) on delete cascade,
  message     text not null check (char_length(message) between 1 and 300),
  link        text not null check (link like '/%'),
  created_at  timestamptz not null default now(),
  read_at     timestamptz
);
create index notifications_user_idx on notifications (user_id, id desc);
create index notifications_unread_idx on notifications (user_id) where read_at is null;
