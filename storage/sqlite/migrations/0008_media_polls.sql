-- Scheduled statuses, media reserved by them, and the expiry bookkeeping of polls.
-- media_attachments, polls and poll_votes themselves come from 0002.

CREATE TABLE scheduled_statuses (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scheduled_at TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'published', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    status_id INTEGER REFERENCES statuses (id) ON DELETE SET NULL,
    last_error TEXT,
    idempotency_key TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (scheduled_at, id) WHERE state = 'scheduled';
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);
CREATE UNIQUE INDEX scheduled_statuses_idempotency ON scheduled_statuses (account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER TABLE media_attachments ADD COLUMN scheduled_status_id INTEGER
    REFERENCES scheduled_statuses (id) ON DELETE SET NULL;
CREATE INDEX media_attachments_scheduled ON media_attachments (scheduled_status_id)
    WHERE scheduled_status_id IS NOT NULL;

-- Set once the expiry was handled (notifications sent), so each poll closes exactly once.
ALTER TABLE polls ADD COLUMN closed_at TEXT;
CREATE INDEX polls_open ON polls (expires_at) WHERE closed_at IS NULL AND expires_at IS NOT NULL;

CREATE INDEX poll_votes_account ON poll_votes (account_id, poll_id);
