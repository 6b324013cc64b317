-- App passwords for Subsonic/OpenSubsonic clients (never the account password). Subsonic's
-- token auth sends md5(password + salt), so the server must know the password itself:
-- each is a random 24-character secret made by the server, usable only on /rest/, and
-- revocable one by one. It doubles as the OpenSubsonic apiKey.
create table app_passwords (
  id           uuid primary key,
  user_id      uuid not null references users (id) on delete cascade,
  name         text not null check (char_length(name) between 1 and 60),
  secret       text not null unique check (char_length(secret) = 24),
  created_at   timestamptz not null default now(),
  last_used_at timestamptz
);
create index app_passwords_user_idx on app_passwords (user_id, created_at);
