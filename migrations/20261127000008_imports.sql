-- Listening-history imports: the job's queue, its resume point and the final report.
create table imports (
  id                 uuid primary key,
  -- Whose plays these are; null when the file names its users (a platform import from the CLI).
  user_id            uuid references users (id) on delete cascade,
  requested_by       uuid references users (id) on delete set null,
  file_name          text not null check (char_length(file_name) <= 255),
  stored_file        text not null,            -- <sha256>.data under <data dir>/imports, deleted when done
  size_bytes         bigint not null,
  format             text not null,
  status             text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  total              bigint not null default 0, -- records in the file
  position           bigint not null default 0, -- records processed: where a resumed run starts
  imported           bigint not null default 0,
  matched            bigint not null default 0,
  created            bigint not null default 0, -- catalog entries created for unknown tracks
  duplicates         bigint not null default 0, -- plays already stored (a file imported twice)
  skipped_podcast    bigint not null default 0,
  skipped_audiobook  bigint not null default 0,
  skipped_incognito  bigint not null default 0,
  error_count        bigint not null default 0,
  errors             jsonb not null default '[]'::jsonb, -- the first 100: {"n": record, "message": …}
  message            text not null default '',
  lease_until        timestamptz,
  created_at         timestamptz not null default now(),
  started_at         timestamptz,
  finished_at        timestamptz
);
create index imports_user_idx on imports (user_id, created_at desc);
create index imports_todo_idx on imports (created_at) where status in ('queued', 'running');
