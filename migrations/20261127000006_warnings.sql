-- Warnings moderators give users (from a report about them, their comment or playlist).
create table user_warnings (
  id            uuid primary key,
  user_id       uuid not null references users (id) on delete cascade,
  report_id     uuid references reports (id) on delete set null,
  moderator_id  uuid references users (id) on delete set null,
  note          text not null default '' check (char_length(note) <= 2000),
  created_at    timestamptz not null default now()
);
create index user_warnings_user_idx on user_warnings (user_id, created_at desc);
