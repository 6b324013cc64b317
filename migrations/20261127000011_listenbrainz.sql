-- ListenBrainz-compatible scrobbling: one user token each (shown and regenerated in
-- settings), what each user is playing now, and request counts per token and window
-- (the rate limit holds across app instances).
create table listen_tokens (
  user_id    uuid primary key references users (id) on delete cascade,
  token      text not null unique check (char_length(token) = 36),
  created_at timestamptz not null default now()
);
create table now_playing (
  user_id    uuid primary key references users (id) on delete cascade,
  artist     text not null check (char_length(artist) <= 500),
  track      text not null check (char_length(track) <= 500),
  release    text check (char_length(release) <= 500),
  started_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create table api_rate (
  key          text primary key,
  window_start timestamptz not null,
  hits         integer not null
);
