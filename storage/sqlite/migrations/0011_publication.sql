-- Every publication decision, append-only: who, when, which post, from which state to which, and why.
CREATE TABLE publication_log (
    id INTEGER PRIMARY KEY,
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    announcers TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
CREATE INDEX publication_log_status ON publication_log (status_id, id);

CREATE TRIGGER publication_log_append_only_update BEFORE UPDATE ON publication_log
BEGIN SELECT RAISE(ABORT, 'publication_log is append-only'); END;
CREATE TRIGGER publication_log_append_only_delete BEFORE DELETE ON publication_log
WHEN EXISTS (SELECT 1 FROM statuses WHERE id = OLD.status_id)
BEGIN SELECT RAISE(ABORT, 'publication_log is append-only'); END;

-- Who announced which publication epoch of a status, so retraction can Undo each Announce.
CREATE TABLE status_announcers (
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, epoch, account_id)
);
