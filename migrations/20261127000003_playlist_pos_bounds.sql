-- Every position ever written to a playlist's items in MongoDB lies within
-- [pos_min, pos_max]: widened here BEFORE the MongoDB write, never narrowed. Reads then ask
-- MongoDB for bounded windows of positions (SecantusDB reads every index match of an
-- unbounded range before sorting). NULL = not known yet (rows from before this migration);
-- the repository fills them from MongoDB on first use.
alter table playlists add column pos_min double precision, add column pos_max double precision;
-- Playlists created from now on start empty with both bounds at 0 (positions are > 0 on append).
alter table playlists alter column pos_min set default 0, alter column pos_max set default 0;
