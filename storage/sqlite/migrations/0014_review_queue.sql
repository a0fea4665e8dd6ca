-- The review queue: nominated posts and pending revisions of published posts, waiting for a decision.
-- One open item (pending or scheduled) per status; decided items stay for the record.
CREATE TABLE review_items (
    id INTEGER PRIMARY KEY,
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('publication', 'revision')),
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'approved', 'declined', 'scheduled', 'superseded')),
    edit_id INTEGER NOT NULL,
    nominated_by TEXT NOT NULL,
    -- JSON account ids a decider chose; NULL means the default (the company and the addressed departments).
    announcers TEXT,
    scheduled_at TEXT,
    locked_until TEXT,
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX review_items_open ON review_items (status_id) WHERE state IN ('pending', 'scheduled');
CREATE INDEX review_items_state ON review_items (state, id);
CREATE INDEX review_items_due ON review_items (scheduled_at, id) WHERE state = 'scheduled';

-- The publication log becomes the one audit log: queue decisions join publications there.
-- Rows written before (or by the publication service itself) have no action; readers derive it.
ALTER TABLE publication_log ADD COLUMN action TEXT;
ALTER TABLE publication_log ADD COLUMN detail TEXT;
CREATE INDEX publication_log_actor ON publication_log (actor, id);
