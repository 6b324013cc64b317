-- Tips to artists (issue #14), paid through the same payment provider as subscriptions.
create table tips (
  id               uuid primary key,
  user_id          uuid references users (id) on delete set null,
  artist_id        uuid not null,          -- catalog artist (MongoDB)
  artist_name      text not null,
  party_id         uuid references parties (id) on delete set null,
  amount_cents     int not null check (amount_cents between 100 and 50000),
  message          text not null default '' check (char_length(message) <= 200),
  provider         text not null,
  provider_ref     text not null,
  idempotency_key  uuid not null unique,
  status           text not null default 'paid' check (status in ('paid', 'refunded')),
  created_at       timestamptz not null default now(),
  refunded_at      timestamptz,
  refunded_by      uuid references users (id) on delete set null
);
create index tips_artist_idx on tips (artist_id, created_at desc);
create index tips_created_idx on tips (created_at desc);

-- A tip made during a party shows in its chat.
alter table party_messages drop constraint party_messages_kind_check;
alter table party_messages add constraint party_messages_kind_check
  check (kind in ('text', 'reaction', 'tip'));
