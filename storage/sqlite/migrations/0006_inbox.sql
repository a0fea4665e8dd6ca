-- Inbound federation: remote actor bookkeeping, the inbox queue, and what
-- remote servers tell us about our accounts (blocks and reports).

-- Remote actors only: the AS type, when we last fetched the document (the
-- cache TTL), whether the actor deleted itself, and a verified Move target.
ALTER TABLE accounts ADD COLUMN actor_type TEXT;
ALTER TABLE accounts ADD COLUMN fetched_at TEXT;
ALTER TABLE accounts ADD COLUMN deleted_at TEXT;
ALTER TABLE accounts ADD COLUMN moved_to_uri TEXT;
-- Every signed request looks its key up here first.
CREATE INDEX accounts_key_id ON accounts (key_id) WHERE key_id IS NOT NULL;

-- One row per verified inbound activity, stored raw before any handler runs.
-- dedupe_key is the activity id (or a body digest when there is none), so a
-- redelivery is a no-op. Times are to_db() text: text order is time order.
CREATE TABLE inbox_items (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    activity_id TEXT,
    activity_type TEXT NOT NULL,
    actor_uri TEXT NOT NULL,
    key_id TEXT,
    recipient_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT NOT NULL,
    locked_until TEXT,
    last_error TEXT,
    note TEXT,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX inbox_items_due ON inbox_items (next_attempt) WHERE state = 'pending';

-- A remote actor blocks one of ours: we stop showing them our published
-- content in their direction and never deliver to them for that account.
CREATE TABLE remote_blocks (
    actor_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    activity_id TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor_id, target_id)
);
CREATE INDEX remote_blocks_target ON remote_blocks (target_id);

-- The moderation queue of Flags received from outside. Targets are only
-- local accounts and local object URIs (JSON arrays): a report never makes
-- us store or fetch anything else.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    activity_id TEXT,
    reporter_uri TEXT NOT NULL,
    reporter_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    comment TEXT NOT NULL DEFAULT '',
    target_account_ids TEXT NOT NULL DEFAULT '[]',
    target_object_uris TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
    received_at TEXT NOT NULL
);
CREATE UNIQUE INDEX reports_activity ON reports (activity_id) WHERE activity_id IS NOT NULL;
