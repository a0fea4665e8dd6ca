-- Outbound deliveries: one row per (activity, inbox), drained by federation/delivery.
-- payload is the exact JSON bytes that get signed and sent, serialised once at enqueue.
-- Times are to_db() text (fixed-width UTC), so text comparison is time comparison.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    activity_uri TEXT NOT NULL,
    object_uri TEXT,
    actor_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_url TEXT NOT NULL,
    host TEXT NOT NULL,
    payload BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed', 'gone', 'expired')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    locked_by TEXT,
    last_status INTEGER,
    last_error TEXT,
    last_attempt_at TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE UNIQUE INDEX deliveries_activity_inbox ON deliveries (activity_uri, inbox_url);
-- The claim query walks due pending rows in next_attempt_at order.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
-- "Which inboxes got this status": Update/Delete/Undo go to the same inboxes.
CREATE INDEX deliveries_object ON deliveries (object_uri, state) WHERE object_uri IS NOT NULL;
CREATE INDEX deliveries_host_state ON deliveries (host, state);

-- Health of each remote host, shared by every worker process:
-- the circuit breaker (consecutive failures, open until) and Mastodon-style
-- unavailability (failures on N distinct UTC days with no success in between).
CREATE TABLE delivery_domains (
    host TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failure_days INTEGER NOT NULL DEFAULT 0,
    first_failure_at TEXT,
    last_failure_at TEXT,
    last_success_at TEXT,
    unavailable INTEGER NOT NULL DEFAULT 0,
    circuit_open_until TEXT
);
CREATE INDEX delivery_domains_unavailable ON delivery_domains (host) WHERE unavailable = 1;
