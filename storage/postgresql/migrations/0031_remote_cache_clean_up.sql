-- Cached partner media not fetched for [media] remote_cache_days are removed from the media store
-- and put back to pending, with fetched_at kept (docs/media-storage.md, "Cached partner media").
--
-- The clean-up takes the oldest cached files first, in bounded batches, through this index rather
-- than a scan of every file.
CREATE INDEX remote_files_cached_since ON remote_files (fetched_at) WHERE state = 'cached';

-- Such a file waits for a client's request, never for the prefetch worker: the prefetch queue (and
-- its depth in /metrics) is the pending files never cached yet, so removed ones stay out of its index.
DROP INDEX remote_files_due;
CREATE INDEX remote_files_due ON remote_files (next_attempt_at) WHERE state = 'pending' AND fetched_at IS NULL;
