-- Payments through the payment provider (a test-mode provider here). A payment keeps its
-- amounts when the account is deleted (user_id set null). The idempotency key comes from
-- the form, so a resubmitted payment is refused instead of charged twice.
create table payments (
  id               uuid primary key,
  user_id          uuid references users (id) on delete set null,
  subscription_id  uuid references user_subscriptions (id) on delete set null,
  plan_id          uuid not null references subscription_plans (id),
  amount_cents     integer not null check (amount_cents >= 0),
  currency         text not null,
  provider         text not null,
  provider_ref     text not null,
  status           text not null check (status in ('succeeded', 'declined')),
  idempotency_key  uuid not null unique,
  created_at       timestamptz not null default now()
);
create index payments_user_idx on payments (user_id, created_at desc);

-- Skips asked for by the player, for plans with a skip limit (Free: 6 an hour).
create table skip_log (
  user_id  uuid not null references users (id) on delete cascade,
  at       timestamptz not null default now()
);
create index skip_log_user_idx on skip_log (user_id, at desc);
