-- A listening party can also be started from the host's own play queue.
alter table parties drop constraint parties_source_kind_check;
alter table parties add constraint parties_source_kind_check
  check (source_kind in ('album', 'playlist', 'queue'));
