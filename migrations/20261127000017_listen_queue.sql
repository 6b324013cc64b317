-- Listens accepted by `POST /1/submit-listens`, checked and durably kept until a worker
-- (any app instance) has matched and stored them as plays in MongoDB. The answer to the
-- client waits only for this insert (ListenBrainz itself queues listens the same way).
create table listen_queue (
  id bigserial primary key,
  user_id uuid not null references users(id) on delete cascade,
  imported boolean not null,
  listens jsonb not null,
  received_at timestamptz not null default now(),
  attempts int not null default 0,
  last_error text
);
create index listen_queue_user on listen_queue (user_id, id);
