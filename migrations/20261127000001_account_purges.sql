-- Account deletion: a request row, worked by an idempotent job (MongoDB first, then the
-- PostgreSQL user row, whose foreign keys cascade or set null), finished when both are done.
create table account_purges (
  user_id       uuid primary key,
  username      text not null,
  requested_by  uuid references users (id) on delete set null,
  requested_at  timestamptz not null default now(),
  finished_at   timestamptz
);
create index account_purges_pending_idx on account_purges (requested_at) where finished_at is null;
