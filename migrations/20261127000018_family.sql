-- Family plans: the subscriber adds other accounts (up to the plan's max_members in all,
-- the subscriber included), who then listen with the plan's features. An account is in
-- at most one family; the membership stays when the owner's plan ends, but gives nothing
-- until the owner is on a plan with members again.
create table family_members (
  owner_id   uuid not null references users (id) on delete cascade,
  member_id  uuid not null unique references users (id) on delete cascade,
  added_at   timestamptz not null default now(),
  primary key (owner_id, member_id),
  check (owner_id <> member_id)
);
