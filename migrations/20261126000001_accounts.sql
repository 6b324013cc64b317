-- Encore account-side schema (PostgreSQL). MongoDB holds the catalog and listening data;
-- the same UUIDs link rows here to documents there (songs, albums, artists).

create function set_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end $$;

-- Users ---------------------------------------------------------------------------------
create table users (
  id               uuid primary key,
  username         text not null check (username ~ '^[a-z0-9_]{3,30}$'),
  email            text not null check (length(email) between 3 and 254 and position('@' in email) > 1),
  password_hash    text not null,
  display_name     text not null check (length(display_name) between 1 and 60),
  bio              text not null default '' check (length(bio) <= 500),
  avatar_url       text check (avatar_url is null or length(avatar_url) <= 500),
  role             text not null default 'listener' check (role in ('listener', 'artist', 'moderator', 'admin')),
  status           text not null default 'active' check (status in ('active', 'suspended')),
  suspended_until  timestamptz,
  email_verified_at timestamptz,
  -- Bumped on password change / forced sign-out; sessions carrying an older epoch are dead.
  session_epoch    integer not null default 0,
  last_sign_in_at  timestamptz,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
create unique index users_username_key on users (username);
create unique index users_email_key on users (lower(email));
create index users_username_prefix_idx on users (username text_pattern_ops);
create index users_role_idx on users (role);
create index users_created_at_idx on users (created_at);
create trigger users_updated_at before update on users for each row execute function set_updated_at();

create table user_preferences (
  user_id          uuid primary key references users (id) on delete cascade,
  explicit_filter  boolean not null default false,
  private_session  boolean not null default false,
  share_activity   boolean not null default true,
  show_listening   boolean not null default true,
  theme            text not null default 'system' check (theme in ('system', 'light', 'dark')),
  updated_at       timestamptz not null default now()
);
create trigger user_preferences_updated_at before update on user_preferences for each row execute function set_updated_at();

-- Sessions (tower-sessions' PostgreSQL store; same DDL as its migrate()) ------------------
create schema if not exists tower_sessions;
create table if not exists tower_sessions.session (
  id          text primary key not null,
  data        bytea not null,
  expiry_date timestamptz not null
);
create index if not exists session_expiry_idx on tower_sessions.session (expiry_date);

-- Which sessions belong to whom, so a user's sessions can be listed and revoked.
create table user_sessions (
  session_id  text primary key,
  user_id     uuid not null references users (id) on delete cascade,
  ip          text,
  user_agent  text,
  created_at  timestamptz not null default now()
);
create index user_sessions_user_idx on user_sessions (user_id);

-- Sign-in throttling: shared by every app instance.
create table login_attempts (
  id           bigserial primary key,
  username_key text not null,
  ip           text not null,
  success      boolean not null,
  created_at   timestamptz not null default now()
);
create index login_attempts_user_idx on login_attempts (username_key, created_at);
create index login_attempts_ip_idx on login_attempts (ip, created_at);

-- Tokens: only a SHA-256 of the token is stored.
create table email_verification_tokens (
  token_hash  bytea primary key,
  user_id     uuid not null references users (id) on delete cascade,
  email       text not null,
  expires_at  timestamptz not null,
  used_at     timestamptz,
  created_at  timestamptz not null default now()
);
create index email_verification_tokens_user_idx on email_verification_tokens (user_id);
create table password_reset_tokens (
  token_hash  bytea primary key,
  user_id     uuid not null references users (id) on delete cascade,
  expires_at  timestamptz not null,
  used_at     timestamptz,
  created_at  timestamptz not null default now()
);
create index password_reset_tokens_user_idx on password_reset_tokens (user_id);

-- Subscriptions -------------------------------------------------------------------------
create table subscription_plans (
  id             uuid primary key,
  code           text not null unique check (code ~ '^[a-z0-9_]{2,30}$'),
  name           text not null check (length(name) between 1 and 60),
  price_cents    integer not null check (price_cents >= 0),
  currency       text not null default 'EUR' check (currency ~ '^[A-Z]{3}$'),
  billing_period text not null default 'month' check (billing_period in ('month', 'year')),
  skips_per_hour integer check (skips_per_hour is null or skips_per_hour >= 0),
  audio_quality  text not null default 'normal' check (audio_quality in ('low', 'normal', 'high', 'lossless')),
  max_members    integer not null default 1 check (max_members between 1 and 10),
  ads            boolean not null default false,
  offline        boolean not null default false,
  active         boolean not null default true,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now()
);
create trigger subscription_plans_updated_at before update on subscription_plans for each row execute function set_updated_at();

create table user_subscriptions (
  id                 uuid primary key,
  user_id            uuid not null references users (id) on delete cascade,
  plan_id            uuid not null references subscription_plans (id),
  status             text not null check (status in ('active', 'canceled', 'past_due', 'expired')),
  started_at         timestamptz not null default now(),
  current_period_end timestamptz not null,
  canceled_at        timestamptz,
  provider           text not null default 'test',
  provider_ref       text,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  check (current_period_end > started_at)
);
create unique index user_subscriptions_one_active on user_subscriptions (user_id) where status in ('active', 'past_due');
create index user_subscriptions_user_idx on user_subscriptions (user_id, started_at desc);
create index user_subscriptions_plan_idx on user_subscriptions (plan_id, status);
create trigger user_subscriptions_updated_at before update on user_subscriptions for each row execute function set_updated_at();

insert into subscription_plans (id, code, name, price_cents, skips_per_hour, audio_quality, max_members, ads, offline) values
  ('00000000-0000-4000-8000-000000000001', 'free',    'Free',    0,    6,    'normal',   1, true,  false),
  ('00000000-0000-4000-8000-000000000002', 'premium', 'Premium', 1099, null, 'high',     1, false, true),
  ('00000000-0000-4000-8000-000000000003', 'family',  'Family',  1799, null, 'high',     6, false, true),
  ('00000000-0000-4000-8000-000000000004', 'student', 'Student', 599,  null, 'high',     1, false, true);

-- Social graph --------------------------------------------------------------------------
create table user_follows (
  follower_id  uuid not null references users (id) on delete cascade,
  followee_id  uuid not null references users (id) on delete cascade,
  created_at   timestamptz not null default now(),
  primary key (follower_id, followee_id),
  check (follower_id <> followee_id)
);
create index user_follows_followee_idx on user_follows (followee_id, created_at desc);

-- artist_id is the UUID of an artist document in MongoDB.
create table artist_follows (
  user_id     uuid not null references users (id) on delete cascade,
  artist_id   uuid not null,
  created_at  timestamptz not null default now(),
  primary key (user_id, artist_id)
);
create index artist_follows_artist_idx on artist_follows (artist_id, created_at desc);

create table blocks (
  blocker_id  uuid not null references users (id) on delete cascade,
  blocked_id  uuid not null references users (id) on delete cascade,
  created_at  timestamptz not null default now(),
  primary key (blocker_id, blocked_id),
  check (blocker_id <> blocked_id)
);
create index blocks_blocked_idx on blocks (blocked_id);

-- Playlists (metadata here, ordered items in MongoDB playlist_tracks) ---------------------
create table playlists (
  id                 uuid primary key,
  owner_id           uuid not null references users (id) on delete cascade,
  title              text not null check (length(title) between 1 and 100),
  description        text not null default '' check (length(description) <= 1000),
  visibility         text not null default 'public' check (visibility in ('public', 'unlisted', 'private')),
  collaborative      boolean not null default false,
  cover_url          text,
  share_token        text unique,
  track_count        integer not null default 0 check (track_count >= 0),
  total_duration_ms  bigint not null default 0 check (total_duration_ms >= 0),
  version            bigint not null default 0,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now()
);
create index playlists_owner_idx on playlists (owner_id, updated_at desc);
create index playlists_public_idx on playlists (updated_at desc) where visibility = 'public';
create trigger playlists_updated_at before update on playlists for each row execute function set_updated_at();

create table playlist_collaborators (
  playlist_id  uuid not null references playlists (id) on delete cascade,
  user_id      uuid not null references users (id) on delete cascade,
  role         text not null check (role in ('editor', 'viewer')),
  invited_by   uuid references users (id) on delete set null,
  created_at   timestamptz not null default now(),
  primary key (playlist_id, user_id)
);
create index playlist_collaborators_user_idx on playlist_collaborators (user_id);

create table saved_playlists (
  user_id      uuid not null references users (id) on delete cascade,
  playlist_id  uuid not null references playlists (id) on delete cascade,
  created_at   timestamptz not null default now(),
  primary key (user_id, playlist_id)
);
create index saved_playlists_playlist_idx on saved_playlists (playlist_id);

-- Likes / favourites: target_id is a song/album UUID (MongoDB) or a playlist UUID.
create table favorites (
  user_id      uuid not null references users (id) on delete cascade,
  target_type  text not null check (target_type in ('song', 'album', 'playlist')),
  target_id    uuid not null,
  created_at   timestamptz not null default now(),
  primary key (user_id, target_type, target_id)
);
create index favorites_target_idx on favorites (target_type, target_id);
create index favorites_user_recent_idx on favorites (user_id, created_at desc);

create table comments (
  id          uuid primary key,
  song_id     uuid not null,
  author_id   uuid not null references users (id) on delete cascade,
  body        text not null check (length(btrim(body)) between 1 and 2000),
  hidden      boolean not null default false,
  edited_at   timestamptz,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index comments_song_idx on comments (song_id, created_at desc);
create index comments_author_idx on comments (author_id);
create trigger comments_updated_at before update on comments for each row execute function set_updated_at();

-- Moderation ----------------------------------------------------------------------------
create table reports (
  id               uuid primary key,
  reporter_id      uuid references users (id) on delete set null,
  target_type      text not null check (target_type in ('song', 'comment', 'playlist', 'user')),
  target_id        uuid not null,
  reason           text not null check (reason in ('spam', 'abuse', 'copyright', 'explicit', 'impersonation', 'other')),
  details          text not null default '' check (length(details) <= 2000),
  status           text not null default 'open' check (status in ('open', 'dismissed', 'actioned')),
  resolved_by      uuid references users (id) on delete set null,
  resolved_at      timestamptz,
  resolution_note  text,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  check ((status = 'open') = (resolved_at is null))
);
create index reports_queue_idx on reports (status, created_at);
create index reports_target_idx on reports (target_type, target_id);
create index reports_reporter_idx on reports (reporter_id, created_at desc);
create unique index reports_one_open_per_reporter on reports (reporter_id, target_type, target_id) where status = 'open';
create trigger reports_updated_at before update on reports for each row execute function set_updated_at();

create table moderation_actions (
  id            uuid primary key,
  moderator_id  uuid references users (id) on delete set null,
  report_id     uuid references reports (id) on delete set null,
  target_type   text not null check (target_type in ('song', 'comment', 'playlist', 'user', 'upload')),
  target_id     uuid not null,
  action        text not null check (action in ('dismiss', 'take_down', 'mark_explicit', 'hide_comment', 'warn', 'suspend', 'reactivate', 'approve', 'reject')),
  note          text not null default '',
  until         timestamptz,
  created_at    timestamptz not null default now()
);
create index moderation_actions_target_idx on moderation_actions (target_type, target_id, created_at desc);
create index moderation_actions_moderator_idx on moderation_actions (moderator_id, created_at desc);
create index moderation_actions_report_idx on moderation_actions (report_id);

create table audit_log (
  id           bigserial primary key,
  actor_id     uuid references users (id) on delete set null,
  action       text not null,
  target_type  text,
  target_id    text,
  details      jsonb not null default '{}'::jsonb,
  ip           text,
  created_at   timestamptz not null default now()
);
create index audit_log_created_idx on audit_log (created_at desc);
create index audit_log_actor_idx on audit_log (actor_id, created_at desc);
create index audit_log_target_idx on audit_log (target_type, target_id);
