-- Web Push: one subscription per access token (Mastodon's rule), and the pushes queued for them.
-- alerts is a JSON array of the enabled alert types. Times are to_db() text.
CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY,
    access_token_id INTEGER NOT NULL UNIQUE REFERENCES oauth_access_tokens (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    alerts TEXT NOT NULL DEFAULT '[]',
    policy TEXT NOT NULL DEFAULT 'all' CHECK (policy IN ('all', 'followed', 'follower', 'none')),
    standard INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);

-- One row per (subscription, notification); the payload is built when it is sent,
-- so a dismissed notification or a deleted subscription sends nothing.
CREATE TABLE push_deliveries (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
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
CREATE UNIQUE INDEX push_deliveries_once ON push_deliveries (subscription_id, notification_id);
CREATE INDEX push_deliveries_due ON push_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX push_deliveries_notification ON push_deliveries (notification_id);
