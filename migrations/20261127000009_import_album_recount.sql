-- Albums an import added tracks to (or matched tracks without audio in): their track
-- count and length are recounted once at the end of the import. Kept with the resume
-- point, so a run that crashed after its last batch still recounts them.
alter table imports add column recount_albums uuid[] not null default '{}';
