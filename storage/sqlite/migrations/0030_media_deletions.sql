-- Media objects waiting to be deleted from the media store (local directory or S3 bucket), one row
-- per object key, drained by server/services/media_removals.py's MediaDeletionWorker under a lease.
-- A store that is down keeps the row: attempts counts the tries, last_error says what failed, and
-- due_at moves on with exponential backoff (1 minute, doubling, at most 6 hours), forever until the
-- object is gone. The key is the primary key, so asking twice for one object is one row.
--
-- The media of a deleted status wait here 24 hours (delete-and-redraft may reattach them); when
-- due, a medium a live status uses again is kept and its row dropped.
CREATE TABLE media_deletions (
    key TEXT PRIMARY KEY,
    due_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX media_deletions_due ON media_deletions (due_at);
